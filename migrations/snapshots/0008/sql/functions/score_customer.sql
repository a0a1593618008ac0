CREATE OR REPLACE FUNCTION churn.score_customer(customer_id bigint)
RETURNS double precision
LANGUAGE plpython3u
STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
pgchurn = GD.get("pgchurn")
if pgchurn is None or pgchurn.CODE_VERSION != "10bbab5280c215ef":
    plpy.execute("SELECT churn._load_code()")
    pgchurn = GD["pgchurn"]
    if pgchurn.CODE_VERSION != "10bbab5280c215ef":
        plpy.error("pgchurn code version mismatch: this function expects 10bbab5280c215ef but "
                   "churn.plpython_module holds " + pgchurn.CODE_VERSION,
                   hint="run: alembic upgrade head")
return pgchurn.scoring.score_customer(customer_id)
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.score_customer(bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.score_customer(bigint) IS 'Probability of churn of one customer, from churn.feature_frame(now()) and the active model. Writes nothing.';
