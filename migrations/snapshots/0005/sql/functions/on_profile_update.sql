CREATE OR REPLACE FUNCTION churn.on_profile_update()
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
return pgchurn.triggers.on_profile_updated(TD)
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.on_profile_update() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_profile_update() IS 'Row trigger function: after an application changes a model input of a profile, rescores that customer once.';
