CREATE OR REPLACE TRIGGER model_before_delete BEFORE DELETE ON churn.model
    FOR EACH ROW EXECUTE FUNCTION churn.model_delete_guard();

COMMENT ON TRIGGER model_before_delete ON churn.model IS 'Keeps every score_log row''s model: the check runs when a model is deleted, not each time a score is logged.';
