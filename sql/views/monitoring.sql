-- Live performance views: the rows measured and the measures per model and month. Analysts
-- query them directly. Drift: score_drift.sql and feature_drift.sql; health: scoring_health.sql.

CREATE VIEW churn.performance_rows AS
WITH scored AS (
    SELECT DISTINCT ON (l.model_id, date_trunc('month', l.scored_at), l.customer_id)
           l.model_id, (date_trunc('month', l.scored_at AT TIME ZONE 'UTC'))::date AS month,
           l.customer_id, l.score, l.scored_at, p.churned_at,
           coalesce((m.training_summary ->> 'horizon_days')::integer, 90) AS horizon_days
      FROM churn.score_log l
      JOIN churn.customer_profile p ON p.customer_id = l.customer_id
      JOIN churn.model m ON m.model_id = l.model_id
     WHERE (p.churned_at IS NULL OR p.churned_at > l.scored_at)
     ORDER BY l.model_id, date_trunc('month', l.scored_at), l.customer_id, l.scored_at DESC
)
SELECT model_id, month, customer_id, score, scored_at,
       (churned_at IS NOT NULL AND churned_at <= scored_at + make_interval(days => horizon_days))::integer
           AS churned
  FROM scored
 WHERE scored_at + make_interval(days => horizon_days) <= now();

COMMENT ON VIEW churn.performance_rows IS 'The rows live performance is measured on: per model, month and customer, the last score logged that month while the customer was still a customer, once the horizon after it (the model''s training horizon, default 90 days) has passed; churned = 1 if the customer left within that horizon. Scores logged after churn never count.';
COMMENT ON COLUMN churn.performance_rows.model_id IS 'Model that logged the score.';
COMMENT ON COLUMN churn.performance_rows.month IS 'UTC month of the score.';
COMMENT ON COLUMN churn.performance_rows.customer_id IS 'The customer.';
COMMENT ON COLUMN churn.performance_rows.score IS 'The last score of that month, logged before any churn.';
COMMENT ON COLUMN churn.performance_rows.scored_at IS 'When it was logged.';
COMMENT ON COLUMN churn.performance_rows.churned IS '1 if the customer churned within the horizon after scored_at, else 0.';

CREATE VIEW churn.model_performance AS
SELECT model_id, month,
       count(*) AS customers,
       sum(churned) AS churned,
       churn.roc_auc(array_agg(score), array_agg(churned)) AS roc_auc,
       churn.precision_at(array_agg(score), array_agg(churned), 0.1) AS precision_at_top_10pct,
       avg(score) AS mean_predicted,
       avg(churned::double precision) AS observed_churn_rate
  FROM churn.performance_rows
 GROUP BY model_id, month;

COMMENT ON VIEW churn.model_performance IS 'Live performance per model version and month, point in time: ROC AUC, precision in the top 10% of scores, and calibration (mean predicted against observed churn), from churn.performance_rows only, so no score logged after its outcome was known ever counts.';
COMMENT ON COLUMN churn.model_performance.model_id IS 'Model version.';
COMMENT ON COLUMN churn.model_performance.month IS 'UTC month of the scores.';
COMMENT ON COLUMN churn.model_performance.customers IS 'Customers with a score that month and a known outcome.';
COMMENT ON COLUMN churn.model_performance.churned IS 'Of them, how many churned within the horizon.';
COMMENT ON COLUMN churn.model_performance.roc_auc IS 'ROC AUC (churn.roc_auc), NULL without both outcomes.';
COMMENT ON COLUMN churn.model_performance.precision_at_top_10pct IS 'Churn rate among the 10% highest scores.';
COMMENT ON COLUMN churn.model_performance.mean_predicted IS 'Mean score: compare with observed_churn_rate for calibration.';
COMMENT ON COLUMN churn.model_performance.observed_churn_rate IS 'Share that churned within the horizon.';
