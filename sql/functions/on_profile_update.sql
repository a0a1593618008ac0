CREATE OR REPLACE FUNCTION churn.on_profile_update()
RETURNS trigger
LANGUAGE plpython3u
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
-- Our statements take arrays; custom plans would re-plan them on every call.
SET plan_cache_mode = force_generic_plan
AS $pgchurn$
@DISPATCH triggers.on_profile_updated(TD)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.on_profile_update() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_profile_update() IS 'Row trigger function: after an application changes a model input of a profile, rescores that customer once.';
