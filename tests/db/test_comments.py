"""Every table, column, view, function and trigger in schema churn carries a COMMENT."""

UNCOMMENTED = """
SELECT 'table ' || c.relname FROM pg_class c
 WHERE c.relnamespace = 'churn'::regnamespace AND c.relkind IN ('r', 'v', 'm')
   AND obj_description(c.oid, 'pg_class') IS NULL
UNION ALL
SELECT 'column ' || c.relname || '.' || a.attname FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'churn'::regnamespace AND c.relkind IN ('r', 'v', 'm')
   AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL
UNION ALL
SELECT 'function ' || p.oid::regprocedure FROM pg_proc p
 WHERE p.pronamespace = 'churn'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL
UNION ALL
SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'churn'::regnamespace AND NOT t.tgisinternal
   AND obj_description(t.oid, 'pg_trigger') IS NULL
"""


def test_every_churn_object_has_a_comment(conn):
    with conn.cursor() as cur:
        cur.execute(UNCOMMENTED)
        missing = [r[0] for r in cur.fetchall()]
    assert missing == []
