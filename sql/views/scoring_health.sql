-- Scoring health: the last 24 hours of scores and errors, and the state of every score now.
CREATE OR REPLACE VIEW churn.scoring_health AS
WITH hours AS (
    SELECT generate_series(date_trunc('hour', now()) - interval '23 hours',
                           date_trunc('hour', now()), interval '1 hour') AS hour
)
SELECT h.hour,
       (SELECT count(*) FROM churn.score_log l
         WHERE l.scored_at >= h.hour AND l.scored_at < h.hour + interval '1 hour') AS scores,
       (SELECT count(*) FROM churn.scoring_error e
         WHERE e.occurred_at >= h.hour AND e.occurred_at < h.hour + interval '1 hour') AS errors,
       (SELECT count(*) FROM churn.customer_score s WHERE s.churn_score_stale) AS stale_profiles,
       (SELECT count(*) FROM churn.customer_score s
          JOIN churn.customer_profile p ON p.customer_id = s.customer_id
         WHERE p.churned_at IS NULL AND s.churn_scored_at IS NULL) AS unscored_profiles,
       (SELECT now() - min(s.churn_scored_at) FROM churn.customer_score s
          JOIN churn.customer_profile p ON p.customer_id = s.customer_id
         WHERE p.churned_at IS NULL) AS oldest_score_age
  FROM hours h;

COMMENT ON VIEW churn.scoring_health IS 'The last 24 hours of scoring, one row per hour: scores logged, scoring errors, and (the same on every row) profiles whose score is stale or missing and the age of the oldest score of a current customer.';
COMMENT ON COLUMN churn.scoring_health.hour IS 'Start of the hour.';
COMMENT ON COLUMN churn.scoring_health.scores IS 'Scores logged in that hour.';
COMMENT ON COLUMN churn.scoring_health.errors IS 'Scoring errors recorded in that hour.';
COMMENT ON COLUMN churn.scoring_health.stale_profiles IS 'Profiles whose last rescoring failed (now).';
COMMENT ON COLUMN churn.scoring_health.unscored_profiles IS 'Current customers never scored (now).';
COMMENT ON COLUMN churn.scoring_health.oldest_score_age IS 'Age of the oldest score of a current customer (now).';
