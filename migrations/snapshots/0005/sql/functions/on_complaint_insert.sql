-- Statement trigger on churn.complaint: a thin dispatcher into plpython/triggers.py.
CREATE OR REPLACE FUNCTION churn.on_complaint_insert()
RETURNS trigger
LANGUAGE plpython3u
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
-- Our statements take arrays; custom plans would re-plan them on every call.
SET plan_cache_mode = force_generic_plan
AS $pgchurn$
pgchurn = GD.get("pgchurn")
if pgchurn is None or pgchurn.CODE_VERSION != "d7dd59afd6467cd4":
    plpy.execute("SELECT churn._load_code()")
    pgchurn = GD["pgchurn"]
    if pgchurn.CODE_VERSION != "d7dd59afd6467cd4":
        plpy.error("pgchurn code version mismatch: this function expects d7dd59afd6467cd4 but "
                   "churn.plpython_module holds " + pgchurn.CODE_VERSION,
                   hint="run: alembic upgrade head")
return pgchurn.triggers.on_complaints_inserted()
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.on_complaint_insert() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_complaint_insert() IS 'Statement trigger function: after complaints are inserted (one row, many rows or COPY), bumps each touched customer''s counters once and rescores each customer once with the active model.';
