-- Internal: checks, compiles and verifies a document, and returns what to store. Its
-- parameters are unnamed on purpose: PL/Python then holds the document only in its argument
-- list, which the code empties, so the Python copy is freed as soon as the code is generated.
CREATE OR REPLACE FUNCTION churn._compile_for_registration(
    text,
    text,
    OUT pmml_sha256 text,
    OUT name text,
    OUT algorithm text,
    OUT input_fields jsonb,
    OUT verification_rows integer,
    OUT runtime_version text,
    OUT python_version text,
    OUT source text,
    OUT code bytea,
    OUT compile_ms double precision
)
LANGUAGE plpython3u
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
@DISPATCH registry.compile_for_registration(args)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn._compile_for_registration(text, text) FROM PUBLIC;

COMMENT ON FUNCTION churn._compile_for_registration(text, text) IS 'Internal (churn.register_model): refuses unsafe or unsupported documents, compiles the PMML document into compressed bytecode and replays its ModelVerification rows through it; returns the metadata and the code to store, only if every row matches.';

-- PL/pgSQL, so that the document is stored from the argument itself: a copy converted back
-- from Python would cost several times its size in memory while it is inserted.
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
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    c record;
    new_id bigint;
BEGIN
    -- raises (and so stores nothing) unless every verification row matches
    c := churn._compile_for_registration(register_model.pmml, register_model.name);
    INSERT INTO churn.model (name, pmml, pmml_sha256, algorithm, input_fields, verification_rows,
                             metrics, training_summary, baselines, library_versions, git_commit)
    VALUES (c.name, register_model.pmml, c.pmml_sha256, c.algorithm, c.input_fields,
            c.verification_rows, coalesce(metrics, '{}'), coalesce(training_summary, '{}'),
            coalesce(baselines, '{}'), coalesce(library_versions, '{}'), git_commit)
    RETURNING model_id INTO new_id;
    INSERT INTO churn.model_audit (action, model_id) VALUES ('register', new_id);
    -- the module's first line and its compressed bytecode (a sixth of the generated source)
    INSERT INTO churn.model_compiled (pmml_sha256, runtime_version, python_version, source,
                                      code, compile_ms)
    VALUES (c.pmml_sha256, c.runtime_version, c.python_version, c.source, c.code, c.compile_ms)
    ON CONFLICT DO NOTHING;
    RETURN new_id;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.register_model(text, text, jsonb, jsonb, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION churn.register_model(text, text, jsonb, jsonb, jsonb, jsonb, text) IS 'Registers a PMML model: refuses unsafe or unsupported documents, runs the document''s ModelVerification rows through the same compiled code that will score, inside PostgreSQL, and stores the model only if every row matches. Returns the new model_id; the model is not active until churn.activate_model().';
