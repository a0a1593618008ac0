-- Revision 0007: feature drift compares only the fields the model reads. Training records
-- baselines for every feature it was given, but sklearn2pmml leaves out of the model's
-- MiningSchema the features the fitted model never uses, and the score log records only the
-- model's inputs; such a feature looked entirely missing in the live data (PSI about 18).
CREATE OR REPLACE VIEW churn.feature_drift AS
-- Revision 0014: the hours that churn.fold_feature_drift() has folded are read as counts
-- (churn.drift_tally); the rows of the others are binned here (the same definition,
-- churn._drift_buckets): the newest hours, and the part of the oldest one inside the window.
-- Scores of customers who had churned when scored are left out.
WITH bounds AS (
    SELECT now() - interval '30 days' AS since,
           date_trunc('hour', now() - interval '30 days', 'UTC') + interval '1 hour' AS whole_from,
           coalesce((SELECT f.folded_until FROM churn.drift_fold f), '-infinity') AS folded_until
), buckets AS (
    SELECT t.model_id, t.feature, t.bucket, sum(t.n) AS n
      FROM bounds w, churn.drift_tally t
     WHERE t.hour >= w.whole_from AND t.hour < w.folded_until
     GROUP BY 1, 2, 3
    UNION ALL
    SELECT b.model_id, b.feature, b.bucket, b.n
      FROM bounds w, churn._drift_buckets(w.since, w.whole_from, false) b
    UNION ALL
    SELECT b.model_id, b.feature, b.bucket, b.n
      FROM bounds w,
           churn._drift_buckets(greatest(w.folded_until, w.whole_from), 'infinity', false) b
), numeric_base AS (
    SELECT m.model_id, f.key AS feature,
           churn.jsonb_floats(f.value -> 'edges') AS edges,
           churn.jsonb_floats(f.value -> 'fractions') AS fractions,
           coalesce((f.value ->> 'missing_fraction')::double precision, 0) AS missing
      FROM churn.model m, jsonb_each(m.baselines -> 'numeric') f
     WHERE m.input_fields @> jsonb_build_array(jsonb_build_object('name', f.key))
), numeric_live AS (
    SELECT b.model_id, b.feature, u.bucket::integer AS bin, sum(u.n) AS n
      FROM numeric_base b
      JOIN buckets u ON u.model_id = b.model_id AND u.feature = b.feature
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
     WHERE m.input_fields @> jsonb_build_array(jsonb_build_object('name', f.key))
), categorical_live AS (
    SELECT b.model_id, b.feature, u.bucket AS category, sum(u.n) AS n
      FROM categorical_base b
      JOIN buckets u ON u.model_id = b.model_id AND u.feature = b.feature
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


COMMENT ON VIEW churn.feature_drift IS 'Per model and input feature (the fields the model reads), the last 30 days of logged model inputs (scores logged while the customer was still a customer) against the training baselines: PSI for numeric features (missing values as their own bin), Jensen-Shannon divergence (base 2, 0 to 1) for categorical ones, the number of categories never seen in training, and a flag (ok, watch, drift).';
COMMENT ON COLUMN churn.feature_drift.model_id IS 'The model whose inputs are compared with its training data.';
COMMENT ON COLUMN churn.feature_drift.feature IS 'Input feature.';
COMMENT ON COLUMN churn.feature_drift.kind IS 'numeric or categorical.';
COMMENT ON COLUMN churn.feature_drift.metric IS 'psi or jensen_shannon.';
COMMENT ON COLUMN churn.feature_drift.value IS 'The drift metric.';
COMMENT ON COLUMN churn.feature_drift.live_rows IS 'Logged scores of the last 30 days compared.';
COMMENT ON COLUMN churn.feature_drift.unseen_categories IS 'Categories in the live data that training never saw.';
COMMENT ON COLUMN churn.feature_drift.flag IS 'drift: PSI > 0.25, JS > 0.1 or unseen categories; watch: PSI > 0.1 or JS > 0.05; else ok.';
