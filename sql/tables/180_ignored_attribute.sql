-- Profile columns that are not model inputs, by the DBA's choice: a free-text note, an e-mail
-- address, a value known only as of today. Columns of other types than numbers, boolean and
-- text are never inputs; this table is for the rest.
CREATE TABLE churn.ignored_attribute (
    column_name  name PRIMARY KEY,
    reason       text NOT NULL
                 CONSTRAINT ignored_attribute_reason_is_given CHECK (btrim(reason) <> ''),
    ignored_at   timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE churn.ignored_attribute IS 'Columns of churn.customer_profile kept out of the model inputs (churn.feature_frame, training, drift); written by the owner (the DBA).';
COMMENT ON COLUMN churn.ignored_attribute.column_name IS 'The profile column; it need not exist yet.';
COMMENT ON COLUMN churn.ignored_attribute.reason IS 'Why it is not an input, for the next reader.';
COMMENT ON COLUMN churn.ignored_attribute.ignored_at IS 'When it was listed.';
