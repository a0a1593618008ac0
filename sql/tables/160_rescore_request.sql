-- Customers a transaction changed, to be rescored when it commits.
--
-- The complaint and profile triggers take no lock pgchurn's own scoring needs. Since revision
-- 0016 a transaction has one row here: its first statement inserts it (which queues the
-- deferred constraint trigger below, once) and later statements append to its arrays (INSERT
-- ... ON CONFLICT (xid) DO UPDATE). At commit the trigger deletes the row and rescores its
-- customers in one statement, locking their churn.customer_score rows in customer_id order.
-- A statement rolled back to a savepoint takes its part of the row with it. Rows are visible only to the transaction that wrote them, and gone when it
-- ends, whether it commits (deleted) or rolls back (never committed): so the table is empty to
-- everyone else, and UNLOGGED (nothing in it outlives a transaction, so it needs no WAL).
CREATE UNLOGGED TABLE churn.rescore_request (
    xid            xid8     NOT NULL DEFAULT pg_current_xact_id()
                   CONSTRAINT rescore_request_xid_key UNIQUE,
    customer_ids   bigint[] NOT NULL,
    complaint_ids  bigint[] NOT NULL,
    causes         text[]   NOT NULL
);

CREATE CONSTRAINT TRIGGER rescore_request_at_commit
    AFTER INSERT ON churn.rescore_request
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION churn.on_rescore_request();

COMMENT ON TABLE churn.rescore_request IS 'Internal: customers the current transaction changed (one row per transaction, its arrays appended to by every complaint or profile statement), rescored at its commit by the deferred trigger rescore_request_at_commit. Empty outside a transaction.';
COMMENT ON COLUMN churn.rescore_request.xid IS 'The transaction that asked (pg_current_xact_id()).';
COMMENT ON COLUMN churn.rescore_request.customer_ids IS 'The customers the transaction''s statements changed, in statement order (a customer may appear more than once).';
COMMENT ON COLUMN churn.rescore_request.complaint_ids IS 'For each element of customer_ids, the complaint that asked (logged with the score), or NULL for a profile change.';
COMMENT ON COLUMN churn.rescore_request.causes IS 'For each element of customer_ids, what asked: complaint, profile_insert or profile_update.';
COMMENT ON TRIGGER rescore_request_at_commit ON churn.rescore_request IS 'At commit (or at SET CONSTRAINTS churn.rescore_request_at_commit IMMEDIATE): rescores every customer the transaction changed, locking their churn.customer_score rows once, in customer_id order.';
