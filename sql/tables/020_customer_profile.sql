-- One row per customer, written only by the application. pgchurn never writes this table (so it
-- never takes a lock here that the application's own statements could meet); the counters and
-- the score live in churn.customer_score.
--
-- pgchurn owns only these columns. Every other column is a business attribute that belongs to
-- the user: added with plain ALTER TABLE ... ADD COLUMN, constrained (or not) by the user's own
-- CHECKs, and a model input from then on (see churn.profile_attribute). This is the definition
-- at head; databases created before revision 0011 keep the attributes they had, as the user's.
CREATE TABLE churn.customer_profile (
    customer_id         bigint PRIMARY KEY,
    customer_since      date        NOT NULL DEFAULT current_date,
    churned_at          timestamptz
                        CONSTRAINT profile_churned_at_is_finite CHECK (isfinite(churned_at)),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT profile_customer_since_is_finite CHECK (isfinite(customer_since))
);

COMMENT ON TABLE churn.customer_profile IS 'One row per customer, written by the application. pgchurn owns customer_id, customer_since, churned_at and updated_at; every other column is the company''s own attribute and a model input (see churn.profile_attribute). Counters and scores are in churn.customer_score.';
COMMENT ON COLUMN churn.customer_profile.customer_id IS 'The customer''s identifier in the application.';
COMMENT ON COLUMN churn.customer_profile.customer_since IS 'Date the customer signed up (default: the insert date); finite. The feature tenure_months is derived from it.';
COMMENT ON COLUMN churn.customer_profile.churned_at IS 'When the customer left; NULL while they are a customer; finite. The training label.';
COMMENT ON COLUMN churn.customer_profile.updated_at IS 'When the application last changed the row (its default is the insert time; pgchurn never sets it).';
