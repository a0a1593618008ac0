-- Scoring failures: the complaint and counters committed, the score did not.
CREATE TABLE churn.scoring_error (
    scoring_error_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id       bigint      NOT NULL,
    model_id          bigint      REFERENCES churn.model (model_id),
    error             text        NOT NULL,
    sqlstate          text,
    triggered_by      text        NOT NULL,
    complaint_id      bigint,
    occurred_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX scoring_error_occurred_at ON churn.scoring_error (occurred_at);

COMMENT ON TABLE churn.scoring_error IS 'Scores that could not be computed. The complaint and counters were kept; the profile''s old score was marked stale (churn_score_stale).';
COMMENT ON COLUMN churn.scoring_error.scoring_error_id IS 'Identifier of the error row, generated.';
COMMENT ON COLUMN churn.scoring_error.customer_id IS 'Customer whose rescoring failed.';
COMMENT ON COLUMN churn.scoring_error.model_id IS 'The model that was active, NULL if none was.';
COMMENT ON COLUMN churn.scoring_error.error IS 'The error, as raised.';
COMMENT ON COLUMN churn.scoring_error.sqlstate IS 'SQLSTATE of the error, when it had one.';
COMMENT ON COLUMN churn.scoring_error.triggered_by IS 'What caused the score: complaint, profile_insert, profile_update, batch or manual.';
COMMENT ON COLUMN churn.scoring_error.complaint_id IS 'The complaint being processed, if any.';
COMMENT ON COLUMN churn.scoring_error.occurred_at IS 'When scoring failed (transaction time).';
