-- Bytecode of the PL/Python package, written by the first backend that loads a code version.
CREATE TABLE churn.plpython_bytecode (
    code_version  text NOT NULL,
    python_magic  text NOT NULL,
    code          bytea NOT NULL,
    cached_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code_version, python_magic)
);
-- Stored uncompressed: a new backend reads the whole value, and pglz's decompression of its
-- few hundred kB cost about 0.6 ms of every cold start (lz4 about 0.2 ms).
ALTER TABLE churn.plpython_bytecode ALTER COLUMN code SET STORAGE EXTERNAL;

COMMENT ON TABLE churn.plpython_bytecode IS 'marshal''ed code objects of every module in churn.plpython_module, per code version and Python bytecode version, so that a new backend loads the package without compiling it. Executed as code: writable only by the migration owner and churn._load_code().';
COMMENT ON COLUMN churn.plpython_bytecode.code_version IS 'Digest of the module sources (churn._load_code()''s return value).';
COMMENT ON COLUMN churn.plpython_bytecode.python_magic IS 'importlib.util.MAGIC_NUMBER of the Python that compiled it, hex.';
COMMENT ON COLUMN churn.plpython_bytecode.code IS 'marshal.dumps of (format, {module_path: marshal.dumps of its code object}): a backend unmarshals a module when it imports it.';
COMMENT ON COLUMN churn.plpython_bytecode.cached_at IS 'When the bytecode was stored.';
