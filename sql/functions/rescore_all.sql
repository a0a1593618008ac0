CREATE OR REPLACE PROCEDURE churn.rescore_all(batch_size integer DEFAULT 10000)
LANGUAGE plpython3u
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH batch.rescore_all(batch_size)@
$pgchurn$;

REVOKE EXECUTE ON PROCEDURE churn.rescore_all(integer) FROM PUBLIC;
COMMENT ON PROCEDURE churn.rescore_all(integer) IS 'Rescores every profile with the active model in batches, committing after each batch and logging every score (triggered_by = batch). Resumes an unfinished run. Call it outside a transaction block: CALL churn.rescore_all();';
