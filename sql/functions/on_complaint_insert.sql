-- Row trigger on churn.complaint: a thin dispatcher into plpython/triggers.py.
CREATE OR REPLACE FUNCTION churn.on_complaint_insert()
RETURNS trigger
LANGUAGE plpython3u
SET search_path = pg_catalog, pg_temp
AS $pgchurn$
@DISPATCH triggers.on_complaint_insert(TD)@
$pgchurn$;

COMMENT ON FUNCTION churn.on_complaint_insert() IS 'Trigger function: after a complaint is inserted, updates the customer''s complaint counters.';
