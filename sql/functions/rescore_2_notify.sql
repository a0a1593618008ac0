-- Rescoring, stage 2 of 3: whether a new score is worth a notification, what it says, and
-- how it is sent. churn._rescore (rescore_3_write.sql) applies them to the scores it logged.

-- When a new score is worth a notification (a simple SQL function, inlined by the planner).
CREATE OR REPLACE FUNCTION churn._notify_wanted(previous_score double precision,
                                                score double precision,
                                                threshold double precision,
                                                delta double precision)
RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
SELECT CASE WHEN previous_score IS NULL THEN score >= threshold
            ELSE (previous_score < threshold) <> (score < threshold)
                 OR abs(score - previous_score) >= delta END
$$;

REVOKE EXECUTE ON FUNCTION churn._notify_wanted(double precision, double precision,
                                                double precision, double precision) FROM PUBLIC;

COMMENT ON FUNCTION churn._notify_wanted(double precision, double precision, double precision, double precision) IS 'Internal: true when a score crosses the threshold (or is a first score at or above it) or moves by at least delta.';

-- What a churn_score notification says. LISTEN has no privileges: any login that can connect
-- may listen on any channel. So the payload holds identifiers only, the customer and the
-- score-log row (the event); a consumer reads the score itself through its own grants.
-- STABLE, as json_build_object is (revision 0016; it was IMMUTABLE): a SQL function is inlined
-- only when its declared volatility covers its body, and otherwise parsed at every call.
CREATE OR REPLACE FUNCTION churn._notify_message(customer_id bigint, score_log_id bigint)
RETURNS text
LANGUAGE sql STABLE
AS $$
SELECT json_build_object('customer_id', customer_id, 'score_log_id', score_log_id)::text
$$;

REVOKE EXECUTE ON FUNCTION churn._notify_message(bigint, bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn._notify_message(bigint, bigint) IS 'Internal: the payload of a churn_score notification: the customer and the churn.score_log row, identifiers only.';

-- notify_mode 'commit' (or no setting): pg_notify now, delivered at commit. 'outbox': queue
-- it in churn.notification_outbox for churn.relay_notifications(), so that this transaction
-- does not take pg_notify's commit lock (see tables/140_notification_outbox.sql).
CREATE OR REPLACE FUNCTION churn._notify(mode text, message text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
    IF mode = 'outbox' THEN
        INSERT INTO churn.notification_outbox (payload) VALUES (message::jsonb);
    ELSE
        -- pg_notify queues the message; PostgreSQL delivers it at commit, never before.
        PERFORM pg_notify('churn_score', message);
    END IF;
END
$$;

REVOKE EXECUTE ON FUNCTION churn._notify(text, text) FROM PUBLIC;

COMMENT ON FUNCTION churn._notify(text, text) IS 'Internal: sends a churn_score notification now (notify_mode commit) or queues it in churn.notification_outbox (notify_mode outbox).';
