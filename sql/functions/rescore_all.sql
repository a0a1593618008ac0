-- A plain (SECURITY INVOKER, no SET) procedure: PostgreSQL allows COMMIT only in those. The
-- privileged work happens in churn.rescore_batch, one committed batch per call. It returns only
-- when the run is finished (other sessions may share the work); it never reports success for
-- a run with profiles left to rescore.
CREATE OR REPLACE PROCEDURE churn.rescore_all(batch_size integer DEFAULT 10000)
LANGUAGE plpgsql
AS $$
DECLARE
    batch record;
    left_over bigint;
BEGIN
    LOOP
        SELECT * INTO batch FROM churn.rescore_batch(batch_size) AS b;
        COMMIT;
        EXIT WHEN batch.finished;
    END LOOP;
    SELECT count(*) INTO left_over FROM churn.rescore_chunk c
     WHERE c.run_id = batch.run_id AND c.done_at IS NULL;
    IF left_over > 0 THEN
        RAISE EXCEPTION 'rescoring run % is not finished: % chunks are not done', batch.run_id,
                        left_over
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'CALL churn.rescore_all() again to finish it';
    END IF;
END
$$;

REVOKE EXECUTE ON PROCEDURE churn.rescore_all(integer) FROM PUBLIC;
COMMENT ON PROCEDURE churn.rescore_all(integer) IS 'Rescores every current customer (churned_at IS NULL) with the active model in batches, committing after each batch and logging every score (triggered_by = batch). Resumes an unfinished run, takes over the chunks of sessions that died, and returns only when the run is finished. Call it outside a transaction block: CALL churn.rescore_all();';
