-- Sends the notifications queued in churn.notification_outbox (notify_mode = 'outbox'), oldest
-- first, and deletes them, in the caller's transaction: they are delivered when it commits,
-- and stay queued if it rolls back. One notifying commit per call instead of one per event.
-- Two relays at once never send the same row twice (SKIP LOCKED); each sends its own rows.
CREATE OR REPLACE FUNCTION churn.relay_notifications(max_messages integer DEFAULT 10000)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    queued churn.notification_outbox%ROWTYPE;
    sent   bigint[] := '{}';
BEGIN
    IF max_messages IS NULL OR max_messages < 1 THEN
        RAISE EXCEPTION 'max_messages must be a positive integer, not %', max_messages
            USING ERRCODE = 'invalid_parameter_value', HINT = 'for example 10000';
    END IF;
    FOR queued IN
        SELECT * FROM churn.notification_outbox o
         ORDER BY o.notification_id
         LIMIT max_messages
           FOR UPDATE SKIP LOCKED
    LOOP
        -- The id makes every payload distinct: PostgreSQL folds identical payloads sent in
        -- one transaction into one, and a listener can use it to tell a repeat.
        PERFORM pg_notify('churn_score',
                          (queued.payload
                           || jsonb_build_object('notification_id', queued.notification_id))::text);
        sent := sent || queued.notification_id;
    END LOOP;
    DELETE FROM churn.notification_outbox o WHERE o.notification_id = ANY (sent);
    RETURN cardinality(sent);
END
$$;

REVOKE EXECUTE ON FUNCTION churn.relay_notifications(integer) FROM PUBLIC;

COMMENT ON FUNCTION churn.relay_notifications(integer) IS 'Sends up to max_messages queued churn_score notifications (notify_mode = outbox) with pg_notify, oldest first, deletes them, and returns how many; they are delivered when the calling transaction commits. Run it every second or so: pg_cron, or pgchurn relay.';
