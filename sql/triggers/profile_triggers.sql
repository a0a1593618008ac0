CREATE TRIGGER profile_after_insert
    AFTER INSERT ON churn.customer_profile
    REFERENCING NEW TABLE AS new_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION churn.on_profile_insert();

COMMENT ON TRIGGER profile_after_insert ON churn.customer_profile IS 'Creates the churn.customer_score row of each new profile and, when a model is active, asks for the current ones to be scored when the transaction commits.';

CREATE TRIGGER profile_after_update
    AFTER UPDATE ON churn.customer_profile
    REFERENCING OLD TABLE AS old_profiles NEW TABLE AS new_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION churn.on_profile_update();

COMMENT ON TRIGGER profile_after_update ON churn.customer_profile IS 'Asks for each profile whose columns the application changed to be rescored when the transaction commits. Any column counts, including columns added later, except updated_at and churned_at.';

-- customer_id identifies the customer in churn.complaint, churn.customer_score and the score
-- history; changing it would leave that history under the old id.
CREATE TRIGGER profile_customer_id_is_immutable
    BEFORE UPDATE OF customer_id ON churn.customer_profile
    FOR EACH ROW
    WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id)
    EXECUTE FUNCTION churn.refuse_customer_id_change();

COMMENT ON TRIGGER profile_customer_id_is_immutable ON churn.customer_profile IS 'Refuses to change a profile''s customer_id: its complaints, score and history are filed under it.';
