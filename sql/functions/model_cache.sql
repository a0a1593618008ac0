-- Stores a model's compiled code for later backends: the first line of the generated module
-- (format, Python, SHA-256) and the bytecode, compressed chunk by chunk. VOLATILE, so that the
-- STABLE entry points (predict, score_customer) can fill the cache through it too.
CREATE OR REPLACE FUNCTION churn._store_model_code(pmml_sha256 text, runtime_version text,
                                                   python_version text, source text,
                                                   code bytea)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
BEGIN
    INSERT INTO churn.model_compiled AS c (pmml_sha256, runtime_version, python_version,
                                           source, code)
    VALUES (pmml_sha256, runtime_version, python_version, source, code)
    ON CONFLICT ON CONSTRAINT model_compiled_pkey
    DO UPDATE SET source = EXCLUDED.source, code = EXCLUDED.code, compiled_at = now();
END
$$;

REVOKE EXECUTE ON FUNCTION churn._store_model_code(text, text, text, text, bytea) FROM PUBLIC;

COMMENT ON FUNCTION churn._store_model_code(text, text, text, text, bytea) IS 'Internal: caches the compiled code of a model (the first line of its generated module and its compressed bytecode) for the given code and Python versions (called by the PL/Python loader).';
