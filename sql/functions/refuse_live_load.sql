-- A data-only load of churn.customer_profile or churn.complaint with their triggers on (a plain
-- `pg_dump --data-only` file run by `psql -f`, or `pg_restore --data-only` without
-- --disable-triggers) would score every restored row again, at each COPY's commit, before the
-- COPY of churn.plpython_module has brought the code: the complaints are lost, or counted twice
-- when loaded again. Such a load sets check_function_bodies to off, which applications do not:
-- the triggers in triggers/restore_guard.sql call this function then, before the first row.
CREATE OR REPLACE FUNCTION churn.refuse_live_load()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, churn, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'churn.%: refused a data-only load with the triggers on (check_function_bodies '
                    'is off, as in a pg_dump script): they would score the restored rows again '
                    'before pgchurn''s code is loaded, and lose or double-count the complaints',
                    TG_TABLE_NAME
        USING ERRCODE = 'object_not_in_prerequisite_state',
              TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA,
              HINT = 'load with pg_restore --data-only --disable-triggers into a schema-only '
                     'restore: docs/operations.md, "Data-only load"';
END
$$;

REVOKE EXECUTE ON FUNCTION churn.refuse_live_load() FROM PUBLIC;

COMMENT ON FUNCTION churn.refuse_live_load() IS 'Statement trigger function: refuses an INSERT or COPY into churn.customer_profile or churn.complaint while check_function_bodies is off, that is a data-only restore with the triggers on (SQLSTATE 55000); see docs/operations.md.';
