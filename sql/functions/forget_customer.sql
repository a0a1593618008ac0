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
    deleted jsonb := '{}';
    n       bigint;
BEGIN
    IF customer_id IS NULL THEN
        RAISE EXCEPTION 'customer_id must not be NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'pass the id of the customer to forget, e.g. churn.forget_customer(42)';
    END IF;
    -- The profile first, locked: no complaint can be filed for the customer meanwhile.
    PERFORM 1 FROM churn.customer_profile p WHERE p.customer_id = forget_customer.customer_id
        FOR UPDATE;
    DELETE FROM churn.notification_outbox o
     WHERE (o.payload ->> 'customer_id')::bigint = forget_customer.customer_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted || jsonb_build_object('notification_outbox', n);
    DELETE FROM churn.score_log l WHERE l.customer_id = forget_customer.customer_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted || jsonb_build_object('score_log', n);
    DELETE FROM churn.scoring_error e WHERE e.customer_id = forget_customer.customer_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted || jsonb_build_object('scoring_error', n);
    DELETE FROM churn.complaint c WHERE c.customer_id = forget_customer.customer_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted || jsonb_build_object('complaint', n);
    -- churn.customer_score goes with the profile (ON DELETE CASCADE).
    DELETE FROM churn.customer_profile p WHERE p.customer_id = forget_customer.customer_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted || jsonb_build_object('customer_profile', n);
    INSERT INTO churn.erasure (rows_deleted) VALUES (deleted);
    RETURN deleted;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.forget_customer(bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn.forget_customer(bigint) IS 'Erases one customer: their profile and score row, complaints, score log, scoring errors and queued notifications. Records the erasure in churn.erasure (when, by whom, rows per table), never the customer. Returns the rows deleted per table. For the deployer role.';
