CREATE OR REPLACE PROCEDURE churn.rescore_all(batch_size integer DEFAULT 10000)
LANGUAGE plpython3u
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
pgchurn = GD.get("pgchurn")
if pgchurn is None or pgchurn.CODE_VERSION != "c57ae44cc87422e5":
    plpy.execute("SELECT churn._load_code()")
    pgchurn = GD["pgchurn"]
    if pgchurn.CODE_VERSION != "c57ae44cc87422e5":
        plpy.error("pgchurn code version mismatch: this function expects c57ae44cc87422e5 but "
                   "churn.plpython_module holds " + pgchurn.CODE_VERSION,
                   hint="run: alembic upgrade head")
return pgchurn.batch.rescore_all(batch_size)
$pgchurn$;

REVOKE EXECUTE ON PROCEDURE churn.rescore_all(integer) FROM PUBLIC;
COMMENT ON PROCEDURE churn.rescore_all(integer) IS 'Rescores every profile with the active model in batches, committing after each batch and logging every score (triggered_by = batch). Resumes an unfinished run. Call it outside a transaction block: CALL churn.rescore_all();';
