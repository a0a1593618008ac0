-- One row per customer, written only by the application: its attributes. pgchurn never writes
-- this table (so it never takes a lock here that the application's own statements could meet);
-- the counters and the score live in churn.customer_score.
CREATE TABLE churn.customer_profile (
    customer_id         bigint PRIMARY KEY,
    customer_since      date        NOT NULL DEFAULT current_date,
    tenure_months       integer     NOT NULL DEFAULT 0
                        CONSTRAINT profile_tenure_months_not_negative CHECK (tenure_months >= 0),
    contract_type       text        NOT NULL
                        CONSTRAINT profile_contract_type_is_known
                        CHECK (contract_type IN ('month-to-month', 'one-year', 'two-year')),
    monthly_charges     double precision NOT NULL
                        CONSTRAINT profile_monthly_charges_in_range
                        CHECK (monthly_charges >= 0 AND monthly_charges < 100000),
    total_charges       double precision
                        CONSTRAINT profile_total_charges_not_negative CHECK (total_charges >= 0),
    payment_method      text        NOT NULL
                        CONSTRAINT profile_payment_method_is_known
                        CHECK (payment_method IN ('electronic-check', 'mailed-check', 'bank-transfer', 'credit-card')),
    internet_service    text        NOT NULL
                        CONSTRAINT profile_internet_service_is_known
                        CHECK (internet_service IN ('dsl', 'fiber-optic', 'none')),
    paperless_billing   boolean     NOT NULL DEFAULT false,
    senior_citizen      boolean     NOT NULL DEFAULT false,
    has_partner         boolean     NOT NULL DEFAULT false,
    has_dependents      boolean     NOT NULL DEFAULT false,
    phone_service       boolean     NOT NULL DEFAULT true,
    multiple_lines      boolean     NOT NULL DEFAULT false,
    online_security     boolean     NOT NULL DEFAULT false,
    tech_support        boolean     NOT NULL DEFAULT false,
    streaming_tv        boolean     NOT NULL DEFAULT false,
    churned_at          timestamptz
                        CONSTRAINT profile_churned_at_is_finite CHECK (isfinite(churned_at)),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT profile_customer_since_is_finite CHECK (isfinite(customer_since)),
    CONSTRAINT profile_total_charges_is_finite
        CHECK (total_charges < 'Infinity'::double precision)
);

COMMENT ON TABLE churn.customer_profile IS 'One row per customer, written by the application: its attributes. Counters and scores are in churn.customer_score.';
COMMENT ON COLUMN churn.customer_profile.customer_id IS 'The customer''s identifier in the application.';
COMMENT ON COLUMN churn.customer_profile.customer_since IS 'Date the customer signed up; finite.';
COMMENT ON COLUMN churn.customer_profile.tenure_months IS 'Whole months the customer has been with us.';
COMMENT ON COLUMN churn.customer_profile.contract_type IS 'Contract: month-to-month, one-year or two-year.';
COMMENT ON COLUMN churn.customer_profile.monthly_charges IS 'Current monthly bill, in the account currency.';
COMMENT ON COLUMN churn.customer_profile.total_charges IS 'Total billed since signing up; NULL when not yet billed; finite.';
COMMENT ON COLUMN churn.customer_profile.payment_method IS 'How the customer pays: electronic-check, mailed-check, bank-transfer or credit-card.';
COMMENT ON COLUMN churn.customer_profile.internet_service IS 'Internet product: dsl, fiber-optic or none.';
COMMENT ON COLUMN churn.customer_profile.paperless_billing IS 'True when the customer receives bills electronically.';
COMMENT ON COLUMN churn.customer_profile.senior_citizen IS 'True for customers aged 65 or more.';
COMMENT ON COLUMN churn.customer_profile.has_partner IS 'True when the customer has a partner on record.';
COMMENT ON COLUMN churn.customer_profile.has_dependents IS 'True when the customer has dependents on record.';
COMMENT ON COLUMN churn.customer_profile.phone_service IS 'True when the customer has a phone line.';
COMMENT ON COLUMN churn.customer_profile.multiple_lines IS 'True when the customer has more than one phone line.';
COMMENT ON COLUMN churn.customer_profile.online_security IS 'True when the online security add-on is subscribed.';
COMMENT ON COLUMN churn.customer_profile.tech_support IS 'True when the tech support add-on is subscribed.';
COMMENT ON COLUMN churn.customer_profile.streaming_tv IS 'True when the streaming TV add-on is subscribed.';
COMMENT ON COLUMN churn.customer_profile.churned_at IS 'When the customer left; NULL while they are a customer; finite. The training label.';
COMMENT ON COLUMN churn.customer_profile.updated_at IS 'When the application last changed the row (its default is the insert time; pgchurn never sets it).';
