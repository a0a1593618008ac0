-- The code version of the installed PL/Python package: the first 16 hex digits of sha256 over
-- (path NUL source NUL) of every row of churn.plpython_module in path order, computed by the
-- server (pgchurn.codebundle.code_version computes the same digest when it freezes a revision).
CREATE OR REPLACE FUNCTION churn._code_version()
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, churn, pg_temp
AS $$
SELECT left(encode(sha256(string_agg(
           convert_to(module_path, 'UTF8') || '\x00'::bytea
           || convert_to(source, 'UTF8') || '\x00'::bytea,
           ''::bytea ORDER BY module_path COLLATE "C")), 'hex'), 16)
  FROM churn.plpython_module
$$;

REVOKE EXECUTE ON FUNCTION churn._code_version() FROM PUBLIC;

COMMENT ON FUNCTION churn._code_version() IS 'Internal: the code version of the PL/Python package in churn.plpython_module (NULL when none is installed).';
