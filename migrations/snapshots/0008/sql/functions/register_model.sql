CREATE OR REPLACE FUNCTION churn.register_model(
    pmml text,
    name text,
    metrics jsonb DEFAULT '{}',
    training_summary jsonb DEFAULT '{}',
    baselines jsonb DEFAULT '{}',
    library_versions jsonb DEFAULT '{}',
    git_commit text DEFAULT NULL
)
RETURNS bigint
LANGUAGE plpython3u
VOLATILE
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
return pgchurn.registry.register_model(pmml, name, {"metrics": metrics, "training_summary": training_summary, "baselines": baselines, "library_versions": library_versions, "git_commit": git_commit})
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.register_model(text, text, jsonb, jsonb, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION churn.register_model(text, text, jsonb, jsonb, jsonb, jsonb, text) IS 'Registers a PMML model: refuses unsafe or unsupported documents, runs the document''s ModelVerification rows through the same compiled code that will score, inside PostgreSQL, and stores the model only if every row matches. Returns the new model_id; the model is not active until churn.activate_model().';
