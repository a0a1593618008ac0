-- Compiled code of each model, per runtime and Python version: a fresh backend loads its
-- bytecode instead of parsing XML or compiling. It is code: only the migration owner and SECURITY DEFINER
-- functions may write it.
CREATE TABLE churn.model_compiled (
    pmml_sha256      text NOT NULL REFERENCES churn.model (pmml_sha256) ON DELETE CASCADE,
    runtime_version  text NOT NULL,
    python_version   text NOT NULL,
    source           text NOT NULL,
    compile_ms       double precision,
    compiled_at      timestamptz NOT NULL DEFAULT now(),
    code             bytea,
    PRIMARY KEY (pmml_sha256, runtime_version, python_version)
);

COMMENT ON TABLE churn.model_compiled IS 'Compiled code of each registered model, so that a new backend loads a model in milliseconds without parsing its PMML or compiling anything. Executed as code: writable only by the migration owner.';
COMMENT ON COLUMN churn.model_compiled.pmml_sha256 IS 'The model document this source was generated from.';
COMMENT ON COLUMN churn.model_compiled.runtime_version IS 'Code version of the pgchurn PL/Python package that generated it; other versions recompile.';
COMMENT ON COLUMN churn.model_compiled.python_version IS 'Python version the source was generated for.';
COMMENT ON COLUMN churn.model_compiled.source IS 'The first line of the generated Python module: its format, the Python version and the SHA-256 of the module, which the bytecode must match. The module itself is not kept.';
COMMENT ON COLUMN churn.model_compiled.compile_ms IS 'Milliseconds spent parsing, checking and compiling the PMML.';
COMMENT ON COLUMN churn.model_compiled.compiled_at IS 'When the source was generated.';
COMMENT ON COLUMN churn.model_compiled.code IS 'Bytecode of the generated module (and of its explanation) for python_version, marshalled and zlib-compressed chunk by chunk, so that a new backend compiles nothing; when it is unusable, the backend compiles the PMML document again.';
