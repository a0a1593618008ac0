CREATE OR REPLACE FUNCTION churn.explain(customer_id bigint)
RETURNS TABLE (feature text, value text, contribution double precision)
LANGUAGE plpython3u
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
pgchurn = GD.get("pgchurn")
if pgchurn is None or pgchurn.CODE_VERSION != "10bbab5280c215ef":
    plpy.execute("SELECT churn._load_code()")
    pgchurn = GD["pgchurn"]
    if pgchurn.CODE_VERSION != "10bbab5280c215ef":
        plpy.error("pgchurn code version mismatch: this function expects 10bbab5280c215ef but "
                   "churn.plpython_module holds " + pgchurn.CODE_VERSION,
                   hint="run: alembic upgrade head")
return pgchurn.explain.explain_customer(customer_id)
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn.explain(bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.explain(bigint) IS 'Why the active model scores a customer as it does: each input''s contribution to the margin (linear terms, or Saabas path attribution for trees), largest first, and a last row "(base value)". The contributions and the base value add up to the margin, logit(score).';
