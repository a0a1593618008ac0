-- Statement trigger on churn.complaint: ask for the touched customers to be rescored when the
-- transaction commits (churn.on_rescore_request). It locks nothing: locking the customers here,
-- statement by statement in the application's order, is what let two transactions that file
-- complaints for the same customers in opposite orders deadlock.
CREATE OR REPLACE FUNCTION churn.on_complaint_insert()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
BEGIN
    -- No grouping here: the commit-time trigger sorts and groups the customers once, and only
    -- when the transaction changed more than one.
    INSERT INTO churn.rescore_request AS r (customer_ids, complaint_ids, causes)
    SELECT array_agg(n.customer_id), array_agg(n.complaint_id),
           array_fill('complaint'::text, ARRAY[count(*)::integer])
      FROM new_complaints n
    HAVING count(*) > 0
        ON CONFLICT (xid) DO UPDATE
       SET customer_ids = r.customer_ids || excluded.customer_ids,
           complaint_ids = r.complaint_ids || excluded.complaint_ids,
           causes = r.causes || excluded.causes;
    RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.on_complaint_insert() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_complaint_insert() IS 'Statement trigger function: after complaints are inserted (one row, many rows or COPY), asks for each touched customer to be rescored once when the transaction commits (churn.rescore_request).';
