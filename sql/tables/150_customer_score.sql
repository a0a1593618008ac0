-- One row per customer, written only by pgchurn: the complaint counters and the current score.
--
-- They live beside churn.customer_profile, not in it, so that pgchurn never locks a row the
-- application writes. pgchurn locks these rows only at the commit of a transaction that
-- changed a customer (churn.on_rescore_request), all at once and in customer_id order, and a
-- batch locks them in customer_id order too: so pgchurn adds no deadlock to the application.
-- A row is created with its profile (churn.on_profile_insert) and deleted with it.
CREATE TABLE churn.customer_score (
    customer_id            bigint PRIMARY KEY
                           CONSTRAINT customer_score_customer_id_fkey
                           REFERENCES churn.customer_profile (customer_id) ON DELETE CASCADE,
    complaints_total       integer     NOT NULL DEFAULT 0,
    last_complaint_at      timestamptz,
    complaints_30d         integer,
    complaints_90d         integer,
    severe_complaints_90d  integer,
    churn_score            double precision
                           CONSTRAINT customer_score_churn_score_is_probability
                           CHECK (churn_score >= 0 AND churn_score <= 1),
    churn_model_id         bigint REFERENCES churn.model (model_id),
    churn_variant          text
                           CONSTRAINT customer_score_churn_variant_is_known
                           CHECK (churn_variant IN ('champion', 'challenger')),
    churn_scored_at        timestamptz,
    churn_score_stale      boolean     NOT NULL DEFAULT false,
    updated_at             timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 90);  -- room for the next version of a row: the score update stays HOT

CREATE INDEX customer_score_churn_model_id ON churn.customer_score (churn_model_id);

COMMENT ON TABLE churn.customer_score IS 'One row per customer, written only by pgchurn, in the transaction that changed the customer (at its commit) or by a batch: complaint counters and the current churn score.';
COMMENT ON COLUMN churn.customer_score.customer_id IS 'The customer (churn.customer_profile); deleted with the profile.';
COMMENT ON COLUMN churn.customer_score.complaints_total IS 'Complaints ever filed, counted from churn.complaint when the customer was last rescored.';
COMMENT ON COLUMN churn.customer_score.last_complaint_at IS 'created_at of the latest complaint.';
COMMENT ON COLUMN churn.customer_score.complaints_30d IS 'Complaints in the 30 days before churn_scored_at (as the model saw them); NULL before the first score.';
COMMENT ON COLUMN churn.customer_score.complaints_90d IS 'Complaints in the 90 days before churn_scored_at; NULL before the first score.';
COMMENT ON COLUMN churn.customer_score.severe_complaints_90d IS 'Complaints of severity 4 or 5 in the 90 days before churn_scored_at; NULL before the first score.';
COMMENT ON COLUMN churn.customer_score.churn_score IS 'Latest churn probability in [0, 1] from the model in churn_model_id.';
COMMENT ON COLUMN churn.customer_score.churn_model_id IS 'Model that produced churn_score.';
COMMENT ON COLUMN churn.customer_score.churn_variant IS 'champion, or challenger when the challenger''s score is the one served.';
COMMENT ON COLUMN churn.customer_score.churn_scored_at IS 'The time the features of churn_score were computed as of (the score log''s scored_at).';
COMMENT ON COLUMN churn.customer_score.churn_score_stale IS 'True when the last attempt to rescore failed (see churn.scoring_error) and churn_score, if any, is older than the customer''s data.';
COMMENT ON COLUMN churn.customer_score.updated_at IS 'When pgchurn last wrote the row.';
