-- Complaints: the only table applications insert into on the hot path.
CREATE TABLE churn.complaint (
    complaint_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id    bigint      NOT NULL
                   CONSTRAINT complaint_customer_id_fkey REFERENCES churn.customer_profile (customer_id),
    -- Finite, and at most 5 minutes ahead of the inserting transaction's clock (clock skew
    -- between application servers); a later time would count as "now" for months.
    created_at     timestamptz NOT NULL DEFAULT now()
                   CONSTRAINT complaint_created_at_finite_and_at_most_5_minutes_ahead
                   CHECK (isfinite(created_at) AND created_at <= now() + interval '5 minutes'),
    -- NULL-safe CHECKs: a missing value violates the named constraint, not a bare NOT NULL.
    -- The company's own vocabulary (since revision 0011): any non-blank text of up to 200
    -- characters. Complaints feed the model through their counts, times and severity only.
    category       text
                   CONSTRAINT complaint_category_is_given
                   CHECK (category IS NOT NULL AND btrim(category) <> '' AND length(category) <= 200),
    -- numeric, not smallint: a smallint column would round 3.5 to 4 before any check saw it.
    severity       numeric
                   CONSTRAINT complaint_severity_between_1_and_5
                   CHECK (severity IS NOT NULL AND severity IN (1, 2, 3, 4, 5)),
    channel        text
                   CONSTRAINT complaint_channel_is_given
                   CHECK (channel IS NOT NULL AND btrim(channel) <> '' AND length(channel) <= 200),
    description    text
                   CONSTRAINT complaint_description_at_most_10000_chars
                   CHECK (length(description) <= 10000)
);

CREATE INDEX complaint_customer_id_created_at ON churn.complaint (customer_id, created_at);

COMMENT ON TABLE churn.complaint IS 'Customer complaints. Inserting a row updates the customer''s counters and churn score in the same transaction.';
COMMENT ON COLUMN churn.complaint.complaint_id IS 'Identifier of the complaint, generated.';
COMMENT ON COLUMN churn.complaint.customer_id IS 'The complaining customer; must exist in churn.customer_profile.';
COMMENT ON COLUMN churn.complaint.created_at IS 'When the complaint was made; defaults to the transaction time. Finite, and at most 5 minutes ahead of the database clock.';
COMMENT ON COLUMN churn.complaint.category IS 'What the complaint is about, in the company''s own words (for example billing or late delivery); not blank, at most 200 characters.';
COMMENT ON COLUMN churn.complaint.severity IS 'Severity, a whole number from 1 (minor) to 5 (threatens to leave); 3.5 is refused, never rounded.';
COMMENT ON COLUMN churn.complaint.channel IS 'Where the complaint arrived (for example phone, email or store), in the company''s own words; not blank, at most 200 characters.';
COMMENT ON COLUMN churn.complaint.description IS 'Free text from the agent, at most 10,000 characters; never used by models.';
