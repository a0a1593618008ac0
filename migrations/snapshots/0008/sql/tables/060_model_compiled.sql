-- Compiled Python source of each model, per runtime and Python version: a fresh backend execs
-- this instead of parsing XML. It is code: only the migration owner and SECURITY DEFINER
-- functions may write it.
CREATE TABLE churn.model_compiled (
    pmml_sha256      text NOT NULL REFERENCES churn.model (pmml_sha256) ON DELETE CASCADE,
    runtime_version  text NOT NULL,
    python_version   text NOT NULL,
    source           text NOT NULL,
    compile_ms       double precision,
    compiled_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pmml_sha256, runtime_version, python_version)
);

COMMENT ON TABLE churn.model_compiled IS 'Generated Python source of each registered model, so that a new backend loads a model in milliseconds without parsing its PMML. Executed as code: writable only by the migration owner.';
COMMENT ON COLUMN churn.model_compiled.pmml_sha256 IS 'The model document this source was generated from.';
COMMENT ON COLUMN churn.model_compiled.runtime_version IS 'Code version of the pgchurn PL/Python package that generated it; other versions recompile.';
COMMENT ON COLUMN churn.model_compiled.python_version IS 'Python version the source was generated for.';
COMMENT ON COLUMN churn.model_compiled.source IS 'The generated Python module.';
COMMENT ON COLUMN churn.model_compiled.compile_ms IS 'Milliseconds spent parsing, checking and compiling the PMML.';
COMMENT ON COLUMN churn.model_compiled.compiled_at IS 'When the source was generated.';
