-- Every score pgchurn computes, with the exact features and the reasons behind it.
CREATE TABLE churn.score_log (
    score_log_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id     bigint      NOT NULL,
    -- No foreign key: churn.model's trigger model_before_delete keeps every logged model, so
    -- that logging a score runs no referential check.
    model_id        bigint      NOT NULL,
    score           double precision NOT NULL,
    previous_score  double precision,
    features        jsonb       NOT NULL,
    reasons         jsonb       NOT NULL DEFAULT '[]'::jsonb,
    triggered_by    text        NOT NULL
                    CONSTRAINT score_log_triggered_by_is_known
                    CHECK (triggered_by IN ('complaint', 'profile_insert', 'profile_update', 'batch',
                                           'manual')),
    complaint_id    bigint,
    scored_at       timestamptz NOT NULL DEFAULT now(),
    variant         text        NOT NULL DEFAULT 'champion'
                    CONSTRAINT score_log_variant_is_known
                    CHECK (variant IN ('champion', 'challenger')),
    served          boolean     NOT NULL DEFAULT true,
    previous_model_id bigint
);

CREATE INDEX score_log_customer_id_scored_at ON churn.score_log (customer_id, scored_at);
CREATE INDEX score_log_model_id_scored_at ON churn.score_log (model_id, scored_at);
CREATE INDEX score_log_scored_at ON churn.score_log (scored_at);

COMMENT ON TABLE churn.score_log IS 'Append-only history of churn scores: model, features, reasons and what triggered each score. Holds customer data; see docs/security.md for retention.';
COMMENT ON COLUMN churn.score_log.score_log_id IS 'Identifier of the log row, generated.';
COMMENT ON COLUMN churn.score_log.customer_id IS 'Customer that was scored (no foreign key, so that logs survive profile deletion until purged).';
COMMENT ON COLUMN churn.score_log.model_id IS 'Model that computed the score.';
COMMENT ON COLUMN churn.score_log.score IS 'Churn probability computed.';
COMMENT ON COLUMN churn.score_log.previous_score IS 'The profile''s churn_score before this score, NULL if none.';
COMMENT ON COLUMN churn.score_log.features IS 'The exact feature values given to the model, as jsonb.';
COMMENT ON COLUMN churn.score_log.reasons IS 'Top three reasons: feature, value and contribution to the margin.';
COMMENT ON COLUMN churn.score_log.triggered_by IS 'What caused the score: complaint, profile_insert, profile_update, batch or manual.';
COMMENT ON COLUMN churn.score_log.complaint_id IS 'The complaint that triggered the score, when triggered_by = complaint.';
COMMENT ON COLUMN churn.score_log.scored_at IS 'When the score was computed.';
COMMENT ON COLUMN churn.score_log.variant IS 'champion (the active model) or challenger (scored in the experiment).';
COMMENT ON COLUMN churn.score_log.served IS 'True when this score was written to the profile; false for a shadow score.';
COMMENT ON COLUMN churn.score_log.previous_model_id IS 'The model of the profile''s score before this one (with previous_score); NULL for a first score. A score whose model differs from it is a model change, not a change of the customer.';
