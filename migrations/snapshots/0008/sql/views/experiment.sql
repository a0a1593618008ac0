CREATE VIEW churn.experiment_report AS
WITH pairs AS (
    SELECT DISTINCT ON (ch.model_id, co.model_id, ch.customer_id, date_trunc('month', ch.scored_at))
           ch.model_id AS champion_model_id, co.model_id AS challenger_model_id,
           ch.customer_id, ch.scored_at, ch.score AS champion_score, co.score AS challenger_score,
           co.served AS challenger_served, p.churned_at,
           coalesce((m.training_summary ->> 'horizon_days')::integer, 90) AS horizon_days
      FROM churn.score_log ch
      JOIN churn.score_log co
        ON co.customer_id = ch.customer_id AND co.scored_at = ch.scored_at
       AND co.variant = 'challenger' AND ch.variant = 'champion'
      JOIN churn.customer_profile p ON p.customer_id = ch.customer_id
      JOIN churn.model m ON m.model_id = ch.model_id
     WHERE p.churned_at IS NULL OR p.churned_at > ch.scored_at
     ORDER BY ch.model_id, co.model_id, ch.customer_id, date_trunc('month', ch.scored_at),
              ch.scored_at DESC
), outcomes AS (
    SELECT *, (churned_at IS NOT NULL
               AND churned_at <= scored_at + make_interval(days => horizon_days))::integer AS churned,
              scored_at + make_interval(days => horizon_days) <= now() AS known
      FROM pairs
)
SELECT champion_model_id, challenger_model_id,
       count(*) AS paired_scores,
       count(*) FILTER (WHERE known) AS with_outcome,
       sum(churned) FILTER (WHERE known) AS churned,
       avg(challenger_served::integer) AS challenger_served_share,
       avg(champion_score) AS champion_mean_score,
       avg(challenger_score) AS challenger_mean_score,
       churn.roc_auc(array_agg(champion_score) FILTER (WHERE known),
                     array_agg(churned) FILTER (WHERE known)) AS champion_roc_auc,
       churn.roc_auc(array_agg(challenger_score) FILTER (WHERE known),
                     array_agg(churned) FILTER (WHERE known)) AS challenger_roc_auc,
       avg((champion_score - churned) ^ 2) FILTER (WHERE known) AS champion_brier,
       avg((challenger_score - churned) ^ 2) FILTER (WHERE known) AS challenger_brier
  FROM outcomes
 GROUP BY champion_model_id, challenger_model_id;

COMMENT ON VIEW churn.experiment_report IS 'Champion against challenger on the same customers and the same outcomes: pairs of scores logged in the same statement (last pair per customer and month, before any churn), the share where the challenger was served, and, where the outcome is known (the horizon has passed), ROC AUC and Brier score of each.';
COMMENT ON COLUMN churn.experiment_report.champion_model_id IS 'The active model when the pair was scored.';
COMMENT ON COLUMN churn.experiment_report.challenger_model_id IS 'The challenger.';
COMMENT ON COLUMN churn.experiment_report.paired_scores IS 'Customer-months with both scores.';
COMMENT ON COLUMN churn.experiment_report.with_outcome IS 'Of them, those whose outcome is known.';
COMMENT ON COLUMN churn.experiment_report.churned IS 'Of those, how many churned within the horizon.';
COMMENT ON COLUMN churn.experiment_report.challenger_served_share IS 'Share of pairs where the challenger''s score was served.';
COMMENT ON COLUMN churn.experiment_report.champion_mean_score IS 'Mean champion score.';
COMMENT ON COLUMN churn.experiment_report.challenger_mean_score IS 'Mean challenger score.';
COMMENT ON COLUMN churn.experiment_report.champion_roc_auc IS 'Champion ROC AUC on the pairs with a known outcome.';
COMMENT ON COLUMN churn.experiment_report.challenger_roc_auc IS 'Challenger ROC AUC on the same pairs.';
COMMENT ON COLUMN churn.experiment_report.champion_brier IS 'Champion Brier score on the same pairs.';
COMMENT ON COLUMN churn.experiment_report.challenger_brier IS 'Challenger Brier score on the same pairs.';
