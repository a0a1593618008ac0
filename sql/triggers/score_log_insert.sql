CREATE TRIGGER score_log_insert INSTEAD OF INSERT ON churn.score_log
    FOR EACH ROW EXECUTE FUNCTION churn._score_log_insert();

COMMENT ON TRIGGER score_log_insert ON churn.score_log IS 'INSERT into the view stores the row in churn.score_log_data (features and reasons as given). DELETE goes through the view by itself.';
