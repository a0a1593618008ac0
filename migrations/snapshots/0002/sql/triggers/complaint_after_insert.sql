CREATE TRIGGER complaint_after_insert
    AFTER INSERT ON churn.complaint
    FOR EACH ROW EXECUTE FUNCTION churn.on_complaint_insert();

COMMENT ON TRIGGER complaint_after_insert ON churn.complaint IS 'Updates the complaining customer''s counters in the same transaction.';
