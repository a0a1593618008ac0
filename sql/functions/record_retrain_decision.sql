-- pgchurn retrain's decision, in one transaction: activate a promoted challenger and record the
-- decision in churn.model_audit. The deployer calls it; nobody writes the audit table directly.

CREATE OR REPLACE FUNCTION churn.record_retrain_decision(challenger_id bigint,
                                                         champion_id bigint,
                                                         promote boolean,
                                                         reason text)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    active_id bigint;
    audit_id  bigint;
BEGIN
    IF promote IS NULL OR challenger_id IS NULL OR champion_id IS NULL THEN
        RAISE EXCEPTION 'challenger_id, champion_id and promote must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'pass the two model ids and true (promote) or false (decline)';
    END IF;
    LOCK TABLE churn.model IN SHARE ROW EXCLUSIVE MODE;
    IF NOT EXISTS (SELECT 1 FROM churn.model m WHERE m.model_id = challenger_id) THEN
        RAISE EXCEPTION 'challenger model % does not exist', challenger_id
            USING ERRCODE = 'no_data_found', HINT = 'see pgchurn models list or churn.model';
    END IF;
    SELECT m.model_id INTO active_id FROM churn.model m WHERE m.status = 'active';
    IF active_id IS DISTINCT FROM champion_id THEN
        RAISE EXCEPTION 'model % is no longer the active model (now: %), so the comparison with it decides nothing',
                        champion_id, coalesce(active_id::text, 'none')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'run pgchurn retrain again: it compares the challenger with the model active then';
    END IF;
    IF promote THEN
        PERFORM churn.activate_model(challenger_id);
    END IF;
    INSERT INTO churn.model_audit (action, model_id, previous_model_id, reason)
    VALUES (CASE WHEN promote THEN 'promote' ELSE 'decline' END, challenger_id, champion_id,
            record_retrain_decision.reason)
    RETURNING model_audit.audit_id INTO audit_id;
    RETURN audit_id;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.record_retrain_decision(bigint, bigint, boolean, text) FROM PUBLIC;
COMMENT ON FUNCTION churn.record_retrain_decision(bigint, bigint, boolean, text) IS 'Records a retraining decision (pgchurn retrain) in the caller''s transaction: with promote, activates the challenger (churn.activate_model, which may refuse it); then writes ''promote'' or ''decline'' to churn.model_audit with the reason. Refuses when champion_id is no longer the active model. Returns the audit_id.';
