-- Revision 0014: score drift counts only scores logged while the customer was still a customer
-- (as churn.feature_drift and churn.performance_rows do); revision 0004 created the view.
CREATE OR REPLACE VIEW churn.score_drift AS
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
     WHERE NOT EXISTS (SELECT 1 FROM churn.customer_profile p
                        WHERE p.customer_id = l.customer_id AND p.churned_at <= l.scored_at)
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

COMMENT ON VIEW churn.score_drift IS 'Population stability index (PSI) between each model''s training score distribution (its baselines) and the scores it logged while the customer was still a customer (not at or after churned_at), per model and UTC day, with the band: stable below 0.1, moderate 0.1-0.25, significant above 0.25.';
COMMENT ON COLUMN churn.score_drift.scores IS 'Scores logged that day of customers who had not churned.';
COMMENT ON COLUMN churn.score_drift.model_id IS 'The model whose scores are compared with its own training scores.';
COMMENT ON COLUMN churn.score_drift.day IS 'UTC day of the logged scores.';
COMMENT ON COLUMN churn.score_drift.psi IS 'Population stability index over the baseline''s score bins.';
COMMENT ON COLUMN churn.score_drift.band IS 'stable (< 0.1), moderate (0.1-0.25) or significant (> 0.25).';
