-- Statement trigger on churn.complaint: a thin dispatcher into plpython/triggers.py.
CREATE OR REPLACE FUNCTION churn.on_complaint_insert()
RETURNS trigger
LANGUAGE plpython3u
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
-- Our statements take arrays; custom plans would re-plan them on every call.
SET plan_cache_mode = force_generic_plan
AS $pgchurn$
@DISPATCH triggers.on_complaints_inserted()@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.on_complaint_insert() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_complaint_insert() IS 'Statement trigger function: after complaints are inserted (one row, many rows or COPY), bumps each touched customer''s counters once and rescores each customer once with the active model.';
