-- Keeps every churn.score_log row's model (revision 0006 replaced the score log's foreign key
-- with it): the check runs when a model is deleted, not each time a score is logged. The
-- trigger is triggers/model_before_delete.sql.
CREATE OR REPLACE FUNCTION churn.model_delete_guard()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM churn.score_log l WHERE l.model_id = OLD.model_id) THEN
        RAISE EXCEPTION 'model % has scores in churn.score_log and cannot be deleted',
                        OLD.model_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'retire it with churn.retire_model instead';
    END IF;
    RETURN OLD;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.model_delete_guard() FROM PUBLIC;

COMMENT ON FUNCTION churn.model_delete_guard() IS 'Trigger function: refuses to delete a model that churn.score_log refers to.';
