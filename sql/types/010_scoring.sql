-- The row churn._score takes: one customer's features, the columns of churn.feature_frame
-- (the definition at head: revision 0011 replaced the demo's attributes by attributes jsonb;
-- revision 0014 appended max_severity_30d and severity_sum_90d, in this order).
CREATE TYPE churn.features AS (
    customer_id               bigint,
    tenure_months             integer,
    complaints_total          integer,
    complaints_30d            integer,
    complaints_90d            integer,
    severe_complaints_90d     integer,
    days_since_last_complaint double precision,
    attributes                jsonb,
    max_severity_30d          integer,
    severity_sum_90d          integer
);

COMMENT ON TYPE churn.features IS 'One row of churn.feature_frame, as the composite churn._score takes: the derived features and the attributes jsonb.';

-- What churn._score returns: a score, its reasons and the features the score log records (the
-- model's input fields, written by the scorer, which knows which fields its model reads), or
-- (score NULL) the error. Revision 0007 appended features; revision 0016 inputs (the model's
-- inputs packed in its input order, plpython/log_codec.py: what the score log stores).
CREATE TYPE churn.scored AS (
    score    double precision,
    reasons  jsonb,
    error    text,
    sqlstate text,
    features jsonb,
    inputs   bytea
);

COMMENT ON TYPE churn.scored IS 'Result of churn._score: the score, its top reasons and the model''s input features as logged, or, with a NULL score, the error and its SQLSTATE.';
