CREATE OR REPLACE FUNCTION churn.predict(features jsonb, model_id bigint DEFAULT NULL)
RETURNS double precision
LANGUAGE plpython3u
STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
pgchurn = GD.get("pgchurn")
if pgchurn is None or pgchurn.CODE_VERSION != "f271c5c788a0b18b":
    plpy.execute("SELECT churn._load_code()")
    pgchurn = GD["pgchurn"]
    if pgchurn.CODE_VERSION != "f271c5c788a0b18b":
        plpy.error("pgchurn code version mismatch: this function expects f271c5c788a0b18b but "
                   "churn.plpython_module holds " + pgchurn.CODE_VERSION,
                   hint="run: alembic upgrade head")
return pgchurn.scoring.predict(features, model_id)
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.predict(jsonb, bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.predict(jsonb, bigint) IS 'Probability of churn for a jsonb object of features (for example churn.customer_features(42)), scored by the given model or, when model_id is NULL, the active one. Writes nothing.';
