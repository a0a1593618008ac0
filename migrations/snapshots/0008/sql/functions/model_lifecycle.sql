-- The model lifecycle in SQL: activate, roll back, retire. Each runs in the caller's
-- transaction, takes a lock that serializes lifecycle changes, and writes churn.model_audit.

CREATE OR REPLACE FUNCTION churn.unbindable_fields(model_id bigint)
RETURNS TABLE (field text, problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, churn, pg_temp
AS $$
WITH supplied AS (
    SELECT a.name, format_type(a.type, NULL) AS type_name
      FROM pg_proc p,
           unnest(p.proargnames, p.proallargtypes, p.proargmodes) AS a(name, type, mode)
     WHERE p.oid = 'churn.feature_frame(timestamptz)'::regprocedure AND a.mode = 't'
), needed AS (
    SELECT f->>'name' AS name, f->>'optype' AS optype
      FROM churn.model m, jsonb_array_elements(m.input_fields) f
     WHERE m.model_id = unbindable_fields.model_id
)
SELECT n.name,
       CASE WHEN s.name IS NULL
            THEN 'churn.customer_profile (through churn.feature_frame) has no field named ' || quote_literal(n.name)
            ELSE 'the model treats it as ' || n.optype || ' but churn.feature_frame supplies ' || s.type_name
       END
  FROM needed n LEFT JOIN supplied s ON s.name = n.name
 WHERE s.name IS NULL
    OR (n.optype = 'categorical' AND s.type_name <> 'text')
    OR (n.optype = 'continuous' AND s.type_name NOT IN ('integer', 'bigint', 'double precision', 'numeric'))
$$;

COMMENT ON FUNCTION churn.unbindable_fields(bigint) IS 'Input fields of a model that churn.feature_frame cannot supply, or supplies with the wrong type; empty when the model can be activated.';

CREATE OR REPLACE FUNCTION churn.activate_model(model_id bigint)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    target   churn.model%ROWTYPE;
    previous bigint;
    bad      record;
BEGIN
    LOCK TABLE churn.model IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO target FROM churn.model m WHERE m.model_id = activate_model.model_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model % does not exist', activate_model.model_id
            USING ERRCODE = 'no_data_found', HINT = 'see pgchurn models list or churn.model';
    END IF;
    IF target.status = 'retired' THEN
        RAISE EXCEPTION 'model % is retired and cannot be activated', target.model_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'register the document again if you really want it back';
    END IF;
    SELECT * INTO bad FROM churn.unbindable_fields(target.model_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'model % cannot be activated: input field % cannot be bound: %',
                        target.model_id, quote_literal(bad.field), bad.problem
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'retrain on fields churn.feature_frame provides, or add the field in a migration';
    END IF;
    SELECT m.model_id INTO previous FROM churn.model m WHERE m.status = 'active';
    IF previous = target.model_id THEN
        RETURN previous;
    END IF;
    UPDATE churn.model m SET status = 'registered' WHERE m.model_id = previous;
    UPDATE churn.model m SET status = 'active', activated_at = clock_timestamp()
     WHERE m.model_id = target.model_id;
    INSERT INTO churn.model_audit (action, model_id, previous_model_id)
    VALUES ('activate', target.model_id, previous);
    RETURN previous;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.activate_model(bigint) FROM PUBLIC;
COMMENT ON FUNCTION churn.activate_model(bigint) IS 'Makes a registered model the one active model, in the caller''s transaction, after checking that churn.feature_frame supplies every input field it needs. Returns the previously active model_id (NULL if none) and records the change in churn.model_audit.';

CREATE OR REPLACE FUNCTION churn.rollback_model()
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    current_id bigint;
    back_to    bigint;
BEGIN
    LOCK TABLE churn.model IN SHARE ROW EXCLUSIVE MODE;
    SELECT m.model_id INTO current_id FROM churn.model m WHERE m.status = 'active';
    IF current_id IS NULL THEN
        RAISE EXCEPTION 'no model is active, so there is nothing to roll back'
            USING ERRCODE = 'no_data_found', HINT = 'activate a model with churn.activate_model(id)';
    END IF;
    SELECT a.previous_model_id INTO back_to
      FROM churn.model_audit a
     WHERE a.model_id = current_id AND a.action IN ('activate', 'rollback', 'promote')
     ORDER BY a.audit_id DESC LIMIT 1;
    IF back_to IS NULL THEN
        RAISE EXCEPTION 'model % was the first active model; there is no earlier model to roll back to',
                        current_id
            USING ERRCODE = 'no_data_found', HINT = 'activate another model explicitly';
    END IF;
    IF (SELECT m.status FROM churn.model m WHERE m.model_id = back_to) = 'retired' THEN
        RAISE EXCEPTION 'cannot roll back to model %: it has been retired', back_to
            USING ERRCODE = 'invalid_parameter_value', HINT = 'activate another model explicitly';
    END IF;
    UPDATE churn.model m SET status = 'registered' WHERE m.model_id = current_id;
    UPDATE churn.model m SET status = 'active', activated_at = clock_timestamp()
     WHERE m.model_id = back_to;
    INSERT INTO churn.model_audit (action, model_id, previous_model_id)
    VALUES ('rollback', back_to, current_id);
    RETURN back_to;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.rollback_model() FROM PUBLIC;
COMMENT ON FUNCTION churn.rollback_model() IS 'Re-activates the model that was active before the current one, in the caller''s transaction; returns its model_id and records the rollback in churn.model_audit.';

CREATE OR REPLACE FUNCTION churn.retire_model(model_id bigint)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    target churn.model%ROWTYPE;
BEGIN
    LOCK TABLE churn.model IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO target FROM churn.model m WHERE m.model_id = retire_model.model_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model % does not exist', retire_model.model_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF target.status = 'active' THEN
        RAISE EXCEPTION 'model % is active and cannot be retired', target.model_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'activate another model (or roll back) first';
    END IF;
    IF target.status = 'retired' THEN
        RETURN;
    END IF;
    UPDATE churn.model m SET status = 'retired', retired_at = clock_timestamp()
     WHERE m.model_id = target.model_id;
    INSERT INTO churn.model_audit (action, model_id) VALUES ('retire', target.model_id);
END
$$;

REVOKE EXECUTE ON FUNCTION churn.retire_model(bigint) FROM PUBLIC;
COMMENT ON FUNCTION churn.retire_model(bigint) IS 'Retires a model that is not active: it stays for the record but can never be activated again. Recorded in churn.model_audit.';
