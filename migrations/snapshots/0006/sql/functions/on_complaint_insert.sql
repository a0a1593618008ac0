-- Statement trigger on churn.complaint: lock the touched profiles, then rescore them in one
-- statement (churn._rescore). One row, a multi-row INSERT and a COPY all take this path.
CREATE OR REPLACE FUNCTION churn.on_complaint_insert()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    ids    bigint[];
    latest bigint[];
    counts integer[];
    lasts  timestamptz[];
BEGIN
    -- Lock in customer_id order (no deadlock between concurrent statements), NO KEY UPDATE
    -- (complaint inserts of other customers' foreign keys are not blocked).
    SELECT array_agg(l.customer_id), array_agg(l.complaint_id), array_agg(l.n),
           array_agg(l.last_at)
      INTO ids, latest, counts, lasts
      FROM (SELECT t.*
              FROM (SELECT c.customer_id, max(c.complaint_id) AS complaint_id,
                           count(*)::integer AS n, max(c.created_at) AS last_at
                      FROM new_complaints c GROUP BY c.customer_id) t
              JOIN churn.customer_profile p ON p.customer_id = t.customer_id
             ORDER BY p.customer_id
               FOR NO KEY UPDATE OF p) l;
    IF ids IS NOT NULL THEN
        PERFORM churn._rescore(ids, latest, counts, lasts, 'complaint');
    END IF;
    RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.on_complaint_insert() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_complaint_insert() IS 'Statement trigger function: after complaints are inserted (one row, many rows or COPY), bumps each touched customer''s counters once and rescores each customer once with the active model, in the same transaction.';
