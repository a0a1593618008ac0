-- Every code revision installs a new code version, and the caches of compiled code keep the
-- rows of every earlier one: the package's bytecode (churn.plpython_bytecode) and each model's
-- generated source (churn.model_compiled, one row per model and code version, up to several MB
-- for a large forest). Nothing reads those rows again unless the code is downgraded, and then
-- a backend compiles and caches them anew. This deletes them.
CREATE OR REPLACE FUNCTION churn.purge_compiled_code()
RETURNS bigint
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
WITH installed AS (
    SELECT churn._code_version() AS code_version
), bytecode AS (
    DELETE FROM churn.plpython_bytecode b
     USING installed i
     WHERE b.code_version <> i.code_version
    RETURNING 1
), models AS (
    DELETE FROM churn.model_compiled m
     USING installed i
     WHERE m.runtime_version <> i.code_version
    RETURNING 1
)
SELECT (SELECT count(*) FROM bytecode) + (SELECT count(*) FROM models)
$$;

REVOKE EXECUTE ON FUNCTION churn.purge_compiled_code() FROM PUBLIC;

COMMENT ON FUNCTION churn.purge_compiled_code() IS 'Deletes cached bytecode (churn.plpython_bytecode) and compiled models (churn.model_compiled) of code versions other than the installed one, and returns how many rows it deleted. Revisions from 0009 on run it after they install code; run it by hand after a downgrade is final.';
