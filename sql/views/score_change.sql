-- Every change of a customer's served score, with the model of the score before it, so that
-- "who crossed 0.5 this week" can leave out the crossings a model change made.
CREATE VIEW churn.score_change AS
SELECT l.score_log_id,
       l.customer_id,
       l.scored_at,
       l.triggered_by,
       l.complaint_id,
       l.previous_model_id,
       l.model_id,
       l.previous_score,
       l.score,
       l.score - l.previous_score AS change,
       CASE WHEN l.previous_score IS NULL OR l.previous_model_id IS NULL THEN NULL
            ELSE l.previous_model_id <> l.model_id END AS model_changed
  FROM churn.score_log l
 WHERE l.served;

COMMENT ON VIEW churn.score_change IS 'One row per served score in churn.score_log: the score before it and its model, the change, and whether the model changed. Customers whose risk crossed X in a period, model changes left out: WHERE NOT model_changed AND previous_score < X AND score >= X AND scored_at in the period (see docs/monitoring.md).';
COMMENT ON COLUMN churn.score_change.score_log_id IS 'The churn.score_log row.';
COMMENT ON COLUMN churn.score_change.customer_id IS 'The customer.';
COMMENT ON COLUMN churn.score_change.scored_at IS 'When the score was computed (its features'' time).';
COMMENT ON COLUMN churn.score_change.triggered_by IS 'What caused the score: complaint, profile_insert, profile_update, batch or manual.';
COMMENT ON COLUMN churn.score_change.complaint_id IS 'The complaint that triggered it, when triggered_by = complaint.';
COMMENT ON COLUMN churn.score_change.previous_model_id IS 'The model of the score before it; NULL for a first score, or for a score logged before revision 0014 whose predecessor was not in the log.';
COMMENT ON COLUMN churn.score_change.model_id IS 'The model of this score.';
COMMENT ON COLUMN churn.score_change.previous_score IS 'The served score before it; NULL for a first score.';
COMMENT ON COLUMN churn.score_change.score IS 'The score.';
COMMENT ON COLUMN churn.score_change.change IS 'score - previous_score; NULL for a first score.';
COMMENT ON COLUMN churn.score_change.model_changed IS 'True when the previous score came from another model (a model change, not a change of the customer); false for the same model; NULL for a first score or an unknown previous model.';
