-- Monitoring views: drift, live performance, scoring health. Analysts query them directly.

CREATE VIEW churn.score_drift AS
WITH base AS (
    SELECT m.model_id,
           churn.jsonb_floats(m.baselines -> 'score' -> 'edges') AS edges,
           churn.jsonb_floats(m.baselines -> 'score' -> 'fractions') AS fractions
      FROM churn.model m
     WHERE m.baselines ? 'score'
), live AS (
    SELECT l.model_id, (l.scored_at AT TIME ZONE 'UTC')::date AS day,
           churn.bin_of(l.score, b.edges) AS bin, count(*) AS n
      FROM churn.score_log l JOIN base b ON b.model_id = l.model_id
     GROUP BY 1, 2, 3
), days AS (
    SELECT model_id, day, sum(n) AS scores FROM live GROUP BY 1, 2
), terms AS (
    SELECT d.model_id, d.day, d.scores,
           churn.psi_term(b.fractions[g.bin], coalesce(lv.n, 0)::double precision / d.scores) AS term
      FROM days d
      JOIN base b ON b.model_id = d.model_id
     CROSS JOIN LATERAL generate_series(1, cardinality(b.fractions)) AS g(bin)
      LEFT JOIN live lv ON lv.model_id = d.model_id AND lv.day = d.day AND lv.bin = g.bin
)
SELECT model_id, day, scores::bigint AS scores, sum(term) AS psi, churn.psi_band(sum(term)) AS band
  FROM terms
 GROUP BY model_id, day, scores;

COMMENT ON VIEW churn.score_drift IS 'Population stability index (PSI) between each model''s training score distribution (its baselines) and the scores it logged, per model and UTC day, with the band: stable below 0.1, moderate 0.1-0.25, significant above 0.25.';
COMMENT ON COLUMN churn.score_drift.model_id IS 'The model whose scores are compared with its own training scores.';
COMMENT ON COLUMN churn.score_drift.day IS 'UTC day of the logged scores.';
COMMENT ON COLUMN churn.score_drift.scores IS 'Scores logged that day.';
COMMENT ON COLUMN churn.score_drift.psi IS 'Population stability index over the baseline''s score bins.';
COMMENT ON COLUMN churn.score_drift.band IS 'stable (< 0.1), moderate (0.1-0.25) or significant (> 0.25).';

CREATE VIEW churn.feature_drift AS
WITH recent AS (
    SELECT l.model_id, l.features
      FROM churn.score_log l
     WHERE l.scored_at > now() - interval '30 days'
), numeric_base AS (
    SELECT m.model_id, f.key AS feature,
           churn.jsonb_floats(f.value -> 'edges') AS edges,
           churn.jsonb_floats(f.value -> 'fractions') AS fractions,
           coalesce((f.value ->> 'missing_fraction')::double precision, 0) AS missing
      FROM churn.model m, jsonb_each(m.baselines -> 'numeric') f
), numeric_live AS (
    SELECT b.model_id, b.feature,
           churn.bin_of(nullif(r.features ->> b.feature, '')::double precision, b.edges) AS bin,
           count(*) AS n
      FROM numeric_base b JOIN recent r ON r.model_id = b.model_id
     GROUP BY 1, 2, 3
), numeric_totals AS (
    SELECT model_id, feature, sum(n) AS rows FROM numeric_live GROUP BY 1, 2
), numeric_psi AS (
    SELECT b.model_id, b.feature, t.rows,
           sum(churn.psi_term(
                   CASE WHEN g.bin = 0 THEN b.missing ELSE b.fractions[g.bin] * (1 - b.missing) END,
                   coalesce(lv.n, 0)::double precision / t.rows)) AS value
      FROM numeric_base b
      JOIN numeric_totals t ON t.model_id = b.model_id AND t.feature = b.feature
     CROSS JOIN LATERAL generate_series(0, cardinality(b.fractions)) AS g(bin)
      LEFT JOIN numeric_live lv ON lv.model_id = b.model_id AND lv.feature = b.feature
                               AND coalesce(lv.bin, 0) = g.bin
     GROUP BY 1, 2, 3
), categorical_base AS (
    SELECT m.model_id, f.key AS feature, f.value -> 'frequencies' AS expected
      FROM churn.model m, jsonb_each(m.baselines -> 'categorical') f
), categorical_live AS (
    SELECT b.model_id, b.feature, coalesce(r.features ->> b.feature, 'null') AS category,
           count(*) AS n
      FROM categorical_base b JOIN recent r ON r.model_id = b.model_id
     GROUP BY 1, 2, 3
), categorical_shares AS (
    SELECT b.model_id, b.feature, c.category,
           coalesce((b.expected ->> c.category)::double precision, 0) AS p,
           coalesce(lv.n::double precision / sum(lv.n) OVER (PARTITION BY b.model_id, b.feature), 0) AS q,
           lv.n IS NOT NULL AND NOT b.expected ? c.category AS unseen,
           sum(lv.n) OVER (PARTITION BY b.model_id, b.feature) AS rows
      FROM categorical_base b
     CROSS JOIN LATERAL (SELECT jsonb_object_keys(b.expected) AS category
                         UNION SELECT l.category FROM categorical_live l
                                WHERE l.model_id = b.model_id AND l.feature = b.feature) c
      LEFT JOIN categorical_live lv ON lv.model_id = b.model_id AND lv.feature = b.feature
                                   AND lv.category = c.category
), categorical_js AS (
    SELECT model_id, feature, max(rows) AS rows,
           sum(  CASE WHEN p > 0 THEN 0.5 * p * log(2.0, (p / ((p + q) / 2))::numeric) ELSE 0 END
               + CASE WHEN q > 0 THEN 0.5 * q * log(2.0, (q / ((p + q) / 2))::numeric) ELSE 0 END
              )::double precision AS value,
           count(*) FILTER (WHERE unseen) AS unseen_categories
      FROM categorical_shares
     GROUP BY 1, 2
     HAVING max(rows) IS NOT NULL
)
SELECT model_id, feature, 'numeric'::text AS kind, 'psi'::text AS metric, value,
       rows::bigint AS live_rows, 0::bigint AS unseen_categories,
       CASE WHEN value > 0.25 THEN 'drift' WHEN value > 0.1 THEN 'watch' ELSE 'ok' END AS flag
  FROM numeric_psi
UNION ALL
SELECT model_id, feature, 'categorical', 'jensen_shannon', value, rows::bigint, unseen_categories,
       CASE WHEN value > 0.1 OR unseen_categories > 0 THEN 'drift' WHEN value > 0.05 THEN 'watch' ELSE 'ok' END
  FROM categorical_js;

COMMENT ON VIEW churn.feature_drift IS 'Per model and feature, the last 30 days of logged model inputs against the training baselines: PSI for numeric features (missing values as their own bin), Jensen-Shannon divergence (base 2, 0 to 1) for categorical ones, the number of categories never seen in training, and a flag (ok, watch, drift).';
COMMENT ON COLUMN churn.feature_drift.model_id IS 'The model whose inputs are compared with its training data.';
COMMENT ON COLUMN churn.feature_drift.feature IS 'Input feature.';
COMMENT ON COLUMN churn.feature_drift.kind IS 'numeric or categorical.';
COMMENT ON COLUMN churn.feature_drift.metric IS 'psi or jensen_shannon.';
COMMENT ON COLUMN churn.feature_drift.value IS 'The drift metric.';
COMMENT ON COLUMN churn.feature_drift.live_rows IS 'Logged scores of the last 30 days compared.';
COMMENT ON COLUMN churn.feature_drift.unseen_categories IS 'Categories in the live data that training never saw.';
COMMENT ON COLUMN churn.feature_drift.flag IS 'drift: PSI > 0.25, JS > 0.1 or unseen categories; watch: PSI > 0.1 or JS > 0.05; else ok.';

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
