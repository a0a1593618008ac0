CREATE OR REPLACE FUNCTION churn.rescore_batch(batch_size integer DEFAULT 10000)
RETURNS TABLE (run_id bigint, rows_done bigint, total_rows bigint, finished boolean)
LANGUAGE plpython3u
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
-- Our statements take arrays; custom plans would re-plan them on every call.
SET plan_cache_mode = force_generic_plan
AS $pgchurn$
pgchurn = GD.get("pgchurn")
if pgchurn is None or pgchurn.CODE_VERSION != "d7dd59afd6467cd4":
    plpy.execute("SELECT churn._load_code()")
    pgchurn = GD["pgchurn"]
    if pgchurn.CODE_VERSION != "d7dd59afd6467cd4":
        plpy.error("pgchurn code version mismatch: this function expects d7dd59afd6467cd4 but "
                   "churn.plpython_module holds " + pgchurn.CODE_VERSION,
                   hint="run: alembic upgrade head")
return pgchurn.batch.rescore_next_batch(batch_size)
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.rescore_batch(integer) FROM PUBLIC;
COMMENT ON FUNCTION churn.rescore_batch(integer) IS 'One batch of batch rescoring (the open run, or a new one), for clients that commit after each call and show progress, such as pgchurn rescore. churn.rescore_all() runs all batches itself.';
