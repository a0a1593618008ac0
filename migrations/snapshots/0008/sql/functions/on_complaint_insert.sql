-- Statement trigger on churn.complaint: lock the touched profiles, then rescore them: one
-- customer through churn._rescore_one, several (a multi-row INSERT, a COPY) in one statement
-- through churn._rescore.
CREATE OR REPLACE FUNCTION churn.on_complaint_insert()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    ids      bigint[];
    latest   bigint[];
    counts   integer[];
    lasts    timestamptz[];
    first_id bigint;
    last_id  bigint;
    n        integer;
    latest1  bigint;
    last_at  timestamptz;
BEGIN
    SELECT min(c.customer_id), max(c.customer_id), count(*), max(c.complaint_id),
           max(c.created_at)
      INTO first_id, last_id, n, latest1, last_at
      FROM new_complaints c;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    -- One customer (an application's single INSERT): the small-statement path, unless an
    -- experiment is running or no model is active.
    IF first_id = last_id
       AND churn._rescore_one(first_id, latest1, n, last_at, 'complaint') THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(t.customer_id ORDER BY t.customer_id),
           array_agg(t.complaint_id ORDER BY t.customer_id),
           array_agg(t.n ORDER BY t.customer_id), array_agg(t.last_at ORDER BY t.customer_id)
      INTO ids, latest, counts, lasts
      FROM (SELECT c.customer_id, max(c.complaint_id) AS complaint_id,
                   count(*)::integer AS n, max(c.created_at) AS last_at
              FROM new_complaints c GROUP BY c.customer_id) t;
    -- Lock in customer_id order (no deadlock between concurrent statements), NO KEY UPDATE
    -- (complaint inserts of other customers' foreign keys are not blocked).
    PERFORM 1 FROM churn.customer_profile p
      WHERE p.customer_id = ANY (ids)
      ORDER BY p.customer_id
        FOR NO KEY UPDATE;
    PERFORM churn._rescore(ids, latest, counts, lasts, 'complaint');
    RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.on_complaint_insert() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_complaint_insert() IS 'Statement trigger function: after complaints are inserted (one row, many rows or COPY), bumps each touched customer''s counters once and rescores each customer once with the active model, in the same transaction.';
