-- Erasure of one customer on request: every row pgchurn holds about them, in one transaction,
-- and a record that an erasure happened (when, by which login, how many rows), never of whom.
CREATE OR REPLACE FUNCTION churn.forget_customer(customer_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    deleted jsonb;
BEGIN
    IF customer_id IS NULL THEN
        RAISE EXCEPTION 'customer_id must not be NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'pass the id of the customer to forget, e.g. churn.forget_customer(42)';
    END IF;
    -- The profile first, locked: no complaint can be filed for the customer meanwhile.
    PERFORM 1 FROM churn.customer_profile p WHERE p.customer_id = forget_customer.customer_id
        FOR UPDATE;
    -- One statement: the foreign keys are checked at its end, when every row is gone.
    -- churn.customer_score goes with the profile (ON DELETE CASCADE).
    WITH outbox AS (
        DELETE FROM churn.notification_outbox o
         WHERE (o.payload ->> 'customer_id')::bigint = forget_customer.customer_id RETURNING 1
    ), logged AS (
        DELETE FROM churn.score_log l WHERE l.customer_id = forget_customer.customer_id RETURNING 1
    ), failed AS (
        DELETE FROM churn.scoring_error e
         WHERE e.customer_id = forget_customer.customer_id RETURNING 1
    ), complaints AS (
        DELETE FROM churn.complaint c WHERE c.customer_id = forget_customer.customer_id RETURNING 1
    ), profile AS (
        DELETE FROM churn.customer_profile p
         WHERE p.customer_id = forget_customer.customer_id RETURNING 1
    )
    SELECT jsonb_build_object('notification_outbox', (SELECT count(*) FROM outbox),
                              'score_log', (SELECT count(*) FROM logged),
                              'scoring_error', (SELECT count(*) FROM failed),
                              'complaint', (SELECT count(*) FROM complaints),
                              'customer_profile', (SELECT count(*) FROM profile))
      INTO deleted;
    INSERT INTO churn.erasure (rows_deleted) VALUES (deleted);
    RETURN deleted;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.forget_customer(bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.forget_customer(bigint) IS 'Erases one customer: their profile and score row, complaints, score log, scoring errors and queued notifications. Records the erasure in churn.erasure (when, by whom, rows per table), never the customer. Returns the rows deleted per table. For the deployer role.';
