CREATE OR REPLACE FUNCTION churn.rescore_batch(batch_size integer DEFAULT 10000)
RETURNS TABLE (run_id bigint, rows_done bigint, total_rows bigint, finished boolean)
LANGUAGE plpython3u
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
-- Our statements take arrays; custom plans would re-plan them on every call.
SET plan_cache_mode = force_generic_plan
AS $pgchurn$
@DISPATCH batch.rescore_next_batch(batch_size)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.rescore_batch(integer) FROM PUBLIC;
COMMENT ON FUNCTION churn.rescore_batch(integer) IS 'One batch of batch rescoring (the open run, or a new one), for clients that commit after each call and show progress, such as pgchurn rescore. churn.rescore_all() runs all batches itself.';
