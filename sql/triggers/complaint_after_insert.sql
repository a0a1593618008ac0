CREATE TRIGGER complaint_after_insert
    AFTER INSERT ON churn.complaint
    REFERENCING NEW TABLE AS new_complaints
    FOR EACH STATEMENT EXECUTE FUNCTION churn.on_complaint_insert();

COMMENT ON TRIGGER complaint_after_insert ON churn.complaint IS 'Once per INSERT or COPY statement: asks for the touched customers to be rescored when the transaction commits; their counters and scores change in the same transaction, at its commit.';
