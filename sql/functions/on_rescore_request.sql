-- At commit: rescore every customer the transaction changed. The deferred constraint trigger
-- on churn.rescore_request fires once per transaction (its one row, since revision 0016) and
-- once more after each SET CONSTRAINTS ... IMMEDIATE that flushed it.
--
-- The locks: this is the only point where a transaction that filed complaints or changed
-- profiles locks anything of pgchurn's, all at once and in customer_id order, and only rows of
-- churn.customer_score, which the application never locks. So two such transactions, or one and
-- a batch (which locks in customer_id order too), cannot wait on each other in a cycle.
CREATE OR REPLACE FUNCTION churn.on_rescore_request()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
-- The statements below use array parameters; a custom plan would be re-planned on every call.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    ids         bigint[];
    complaints  bigint[];
    causes      text[];
BEGIN
    DELETE FROM churn.rescore_request r WHERE r.xid = pg_current_xact_id()
    RETURNING r.customer_ids, r.complaint_ids, r.causes INTO ids, complaints, causes;
    IF NOT FOUND THEN
        RETURN NULL;  -- nothing asked since the last firing (SET CONSTRAINTS ... IMMEDIATE)
    END IF;
    IF cardinality(ids) > 1 THEN
        -- Once per customer, in customer_id order: the latest complaint, and the cause that
        -- outranks ('complaint' < 'profile_insert' < 'profile_update').
        SELECT array_agg(c.customer_id ORDER BY c.customer_id),
               array_agg(c.complaint_id ORDER BY c.customer_id),
               array_agg(c.cause ORDER BY c.customer_id)
          INTO ids, complaints, causes
          FROM (SELECT u.customer_id, max(u.complaint_id) AS complaint_id, min(u.cause) AS cause
                  FROM unnest(ids, complaints, causes) AS u(customer_id, complaint_id, cause)
                 GROUP BY u.customer_id) c;
    END IF;
    PERFORM 1 FROM churn.customer_score s
      WHERE s.customer_id = ANY (ids)
      ORDER BY s.customer_id
        FOR NO KEY UPDATE;
    -- A later statement than the locks: its snapshot sees what committed while they waited.
    PERFORM churn._rescore(ids, complaints, causes);
    RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.on_rescore_request() FROM PUBLIC;

COMMENT ON FUNCTION churn.on_rescore_request() IS 'Deferred trigger function: at commit, rescores every customer the transaction filed complaints for or changed, locking their churn.customer_score rows once, in customer_id order.';
