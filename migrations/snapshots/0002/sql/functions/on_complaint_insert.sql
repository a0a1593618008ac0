-- Row trigger on churn.complaint: a thin dispatcher into plpython/triggers.py.
CREATE OR REPLACE FUNCTION churn.on_complaint_insert()
RETURNS trigger
LANGUAGE plpython3u
SET search_path = pg_catalog, pg_temp
AS $pgchurn$
pgchurn = GD.get("pgchurn")
if pgchurn is None or pgchurn.CODE_VERSION != "8175a590ac03b2cf":
    plpy.execute("SELECT churn._load_code()")
    pgchurn = GD["pgchurn"]
    if pgchurn.CODE_VERSION != "8175a590ac03b2cf":
        plpy.error("pgchurn code version mismatch: this function expects 8175a590ac03b2cf but "
                   "churn.plpython_module holds " + pgchurn.CODE_VERSION,
                   hint="run: alembic upgrade head")
return pgchurn.triggers.on_complaint_insert(TD)
$pgchurn$;

COMMENT ON FUNCTION churn.on_complaint_insert() IS 'Trigger function: after a complaint is inserted, updates the customer''s complaint counters.';
