CREATE OR REPLACE FUNCTION churn.on_profile_update()
RETURNS trigger
LANGUAGE plpython3u
SET search_path = pg_catalog, pg_temp
AS $pgchurn$
@DISPATCH triggers.on_profile_updated(TD)@
$pgchurn$;

COMMENT ON FUNCTION churn.on_profile_update() IS 'Row trigger function: after an application changes a model input of a profile, rescores that customer once.';
