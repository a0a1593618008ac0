-- Customers a transaction changed, to be rescored when it commits.
--
-- The complaint and profile triggers add one row per statement and take no lock pgchurn's own
-- scoring needs. The deferred constraint trigger on this table fires at commit (once per row;
-- the first firing does the work for the whole transaction): it deletes the transaction's rows
-- and rescores their customers in one statement, locking their churn.customer_score rows in
-- customer_id order. Rows are visible only to the transaction that wrote them, and gone when it
-- ends, whether it commits (deleted) or rolls back (never committed): so the table is empty to
-- everyone else, and UNLOGGED (nothing in it outlives a transaction, so it needs no WAL).
CREATE UNLOGGED TABLE churn.rescore_request (
    xid            xid8     NOT NULL DEFAULT pg_current_xact_id(),
    customer_ids   bigint[] NOT NULL,
    complaint_ids  bigint[],
    triggered_by   text     NOT NULL
);

CREATE INDEX rescore_request_xid ON churn.rescore_request (xid);

CREATE CONSTRAINT TRIGGER rescore_request_at_commit
    AFTER INSERT ON churn.rescore_request
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION churn.on_rescore_request();

COMMENT ON TABLE churn.rescore_request IS 'Internal: customers the current transaction changed (one row per complaint or profile statement), rescored at its commit by the deferred trigger rescore_request_at_commit. Empty outside a transaction.';
COMMENT ON COLUMN churn.rescore_request.xid IS 'The transaction that asked (pg_current_xact_id()).';
COMMENT ON COLUMN churn.rescore_request.customer_ids IS 'The customers one statement changed.';
COMMENT ON COLUMN churn.rescore_request.complaint_ids IS 'For a complaint statement, each customer''s latest complaint in it (logged with the score); NULL for a profile change.';
COMMENT ON COLUMN churn.rescore_request.triggered_by IS 'What caused the score: complaint, profile_insert, profile_update, batch or manual.';
COMMENT ON TRIGGER rescore_request_at_commit ON churn.rescore_request IS 'At commit (or at SET CONSTRAINTS churn.rescore_request_at_commit IMMEDIATE): rescores every customer the transaction changed, locking their churn.customer_score rows once, in customer_id order.';
