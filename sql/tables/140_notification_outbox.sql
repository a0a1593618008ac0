-- Notifications queued for relay (notify_mode = 'outbox', revision 0008).
--
-- pg_notify holds a database-wide lock from the moment a notifying transaction starts to
-- commit until its commit record is flushed, so notifying transactions commit one at a time.
-- Under many concurrent writers that queue is the tail latency. In outbox mode the scoring
-- transaction inserts its notification here instead (committed or rolled back with the
-- event), and churn.relay_notifications() sends the queued ones in one transaction, in order.
CREATE TABLE churn.notification_outbox (
    notification_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload          jsonb       NOT NULL,
    queued_at        timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE churn.notification_outbox IS 'churn_score notifications queued by the scoring transaction when notify_mode is outbox, until churn.relay_notifications() sends them (and deletes them). Rows here have not been sent yet.';
COMMENT ON COLUMN churn.notification_outbox.notification_id IS 'Identifier, generated in queueing order; sent as notification_id in the payload, so that a listener can tell a repeat.';
COMMENT ON COLUMN churn.notification_outbox.payload IS 'The churn_score payload, as pg_notify would have sent it at commit.';
COMMENT ON COLUMN churn.notification_outbox.queued_at IS 'When the scoring transaction queued it (transaction time).';
