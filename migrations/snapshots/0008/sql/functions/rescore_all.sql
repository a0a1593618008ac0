-- A plain (SECURITY INVOKER, no SET) procedure: PostgreSQL allows COMMIT only in those. The
-- privileged work happens in churn.rescore_batch, one committed batch per call.
CREATE OR REPLACE PROCEDURE churn.rescore_all(batch_size integer DEFAULT 10000)
LANGUAGE plpgsql
AS $$
DECLARE
    done boolean;
BEGIN
    LOOP
        SELECT b.finished INTO done FROM churn.rescore_batch(batch_size) AS b;
        COMMIT;
        EXIT WHEN done;
    END LOOP;
END
$$;

REVOKE EXECUTE ON PROCEDURE churn.rescore_all(integer) FROM PUBLIC;
COMMENT ON PROCEDURE churn.rescore_all(integer) IS 'Rescores every profile with the active model in batches, committing after each batch and logging every score (triggered_by = batch). Resumes an unfinished run. Call it outside a transaction block: CALL churn.rescore_all();';
