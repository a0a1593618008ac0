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
    INSERT INTO churn.rescore_request (customer_ids, complaint_ids, triggered_by)
    SELECT array_agg(c.customer_id), array_agg(c.complaint_id), 'complaint'
      FROM (SELECT n.customer_id, max(n.complaint_id) AS complaint_id
              FROM new_complaints n GROUP BY n.customer_id) c
    HAVING count(*) > 0;
    RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.on_complaint_insert() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_complaint_insert() IS 'Statement trigger function: after complaints are inserted (one row, many rows or COPY), asks for each touched customer to be rescored once when the transaction commits (churn.rescore_request).';
