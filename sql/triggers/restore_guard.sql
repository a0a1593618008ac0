-- Before the first row of a data-only load with live triggers (functions/refuse_live_load.sql).
-- pg_restore --disable-triggers turns these off with the others, as it should.
CREATE TRIGGER profile_refuses_live_load
    BEFORE INSERT ON churn.customer_profile
    FOR EACH STATEMENT
    WHEN (current_setting('check_function_bodies') = 'off')
    EXECUTE FUNCTION churn.refuse_live_load();

COMMENT ON TRIGGER profile_refuses_live_load ON churn.customer_profile IS 'Refuses a data-only load with the triggers on (check_function_bodies off): restore with pg_restore --data-only --disable-triggers (docs/operations.md).';

CREATE TRIGGER complaint_refuses_live_load
    BEFORE INSERT ON churn.complaint
    FOR EACH STATEMENT
    WHEN (current_setting('check_function_bodies') = 'off')
    EXECUTE FUNCTION churn.refuse_live_load();

COMMENT ON TRIGGER complaint_refuses_live_load ON churn.complaint IS 'Refuses a data-only load with the triggers on (check_function_bodies off): restore with pg_restore --data-only --disable-triggers (docs/operations.md).';
