-- One row per current customer (churned_at IS NULL): the score being served, the model and
-- when, whether it is stale or another model's than the active one, and its reasons, so that an
-- analyst needs no LATERAL join into the score log.
CREATE VIEW churn.current_scores AS
SELECT s.customer_id,
       s.churn_score AS score,
       s.churn_model_id AS model_id,
       s.churn_variant AS variant,
       s.churn_scored_at AS scored_at,
       s.churn_score_stale AS stale,
       s.churn_model_id IS DISTINCT FROM a.model_id AS not_the_active_model,
       l.reasons,
       l.score_log_id
  FROM churn.customer_score s
  JOIN churn.customer_profile p ON p.customer_id = s.customer_id
  LEFT JOIN churn.model a ON a.status = 'active'
  -- the score log row of the served score: same customer, model and time, in the one month
  -- partition of that time (pruned at run time); reasons recomputed only when selected
  LEFT JOIN LATERAL (
        SELECT coalesce(x.reasons, churn._logged_reasons(x.model_id, x.inputs)) AS reasons,
               x.score_log_id
          FROM churn.score_log_data x
         WHERE x.customer_id = s.customer_id AND x.scored_at = s.churn_scored_at
           AND x.log_month = churn._log_month(s.churn_scored_at)
           AND x.model_id = s.churn_model_id AND x.served
         ORDER BY x.score_log_id DESC
         LIMIT 1) l ON true
 WHERE p.churned_at IS NULL;

COMMENT ON VIEW churn.current_scores IS 'One row per current customer (churned_at IS NULL): the served churn score, its model, variant and time, whether the last rescoring failed (stale) or the score comes from another model than the active one, and the reasons logged with it (NULL before the first score, or after the score log was purged).';
COMMENT ON COLUMN churn.current_scores.customer_id IS 'The customer.';
COMMENT ON COLUMN churn.current_scores.score IS 'The served churn probability (churn.customer_score.churn_score); NULL before the first score.';
COMMENT ON COLUMN churn.current_scores.model_id IS 'The model that produced it.';
COMMENT ON COLUMN churn.current_scores.variant IS 'champion, or challenger when the challenger''s score is served.';
COMMENT ON COLUMN churn.current_scores.scored_at IS 'The time its features were computed as of.';
COMMENT ON COLUMN churn.current_scores.stale IS 'True when the last attempt to rescore failed (see churn.scoring_error).';
COMMENT ON COLUMN churn.current_scores.not_the_active_model IS 'True when the score comes from another model than the active one (rescore after a model change).';
COMMENT ON COLUMN churn.current_scores.reasons IS 'Top three reasons logged with the score: feature, value, contribution.';
COMMENT ON COLUMN churn.current_scores.score_log_id IS 'The churn.score_log row of the score.';
