-- The PL/Python code itself. Migrations write it; the loader reads it; nobody else may.
CREATE TABLE churn.plpython_module (
    module_path  text PRIMARY KEY
                 CONSTRAINT plpython_module_path_is_relative_py
                 CHECK (module_path ~ '^[a-z_][a-z0-9_]*(/[a-z_][a-z0-9_]*)*\.py$'),
    source       text NOT NULL,
    source_sha256 text NOT NULL
);

COMMENT ON TABLE churn.plpython_module IS 'Source of the pgchurn PL/Python package, installed by migrations and loaded by churn._load_code(). Writable only by the migration owner: anything here runs as untrusted code.';
COMMENT ON COLUMN churn.plpython_module.module_path IS 'Path of the module inside the package, for example pmml/runtime.py.';
COMMENT ON COLUMN churn.plpython_module.source IS 'Python source of the module (standard library only).';
COMMENT ON COLUMN churn.plpython_module.source_sha256 IS 'sha256 of source, hex.';
