-- Scoring health: the last 24 hours of scores and errors, and the state of every score now.
-- Revision 0014 appends the profiles that hold another model's score than the active one's
-- (CREATE OR REPLACE VIEW can only add columns at the end).
CREATE OR REPLACE VIEW churn.scoring_health AS
WITH hours AS (
    SELECT generate_series(date_trunc('hour', now()) - interval '23 hours',
                           date_trunc('hour', now()), interval '1 hour') AS hour
), active AS (
    -- The active model and when it became active (its latest activation, rollback or
    -- promotion in the audit trail).
    SELECT m.model_id,
           (SELECT max(a.performed_at) FROM churn.model_audit a
             WHERE a.model_id = m.model_id
               AND a.action IN ('activate', 'rollback', 'promote')) AS since
      FROM churn.model m
     WHERE m.status = 'active'
), other_model AS (
    -- Current customers served another model's score: not the active model's, nor a score the
    -- running challenger serves (serve_share). Unscored customers are counted apart.
    SELECT count(*) AS profiles
      FROM churn.customer_score s
      JOIN churn.customer_profile p ON p.customer_id = s.customer_id
      LEFT JOIN churn.model c ON c.model_id = s.churn_model_id
     WHERE p.churned_at IS NULL
       AND s.churn_model_id IS NOT NULL
       AND s.churn_model_id IS DISTINCT FROM (SELECT a.model_id FROM active a)
       AND NOT (s.churn_variant = 'challenger' AND c.status = 'challenger')
), grace AS (
    SELECT coalesce((SELECT s.value::interval FROM churn.setting s
                      WHERE s.name = 'model_change_grace'), interval '1 hour') AS grace
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
         WHERE p.churned_at IS NULL) AS oldest_score_age,
       o.profiles AS other_model_profiles,
       a.since AS model_changed_at,
       g.grace AS model_change_grace,
       o.profiles > 0 AND (a.since IS NULL OR now() - a.since > g.grace) AS other_model_overdue
  FROM hours h
 CROSS JOIN other_model o
 CROSS JOIN grace g
  LEFT JOIN active a ON true;

COMMENT ON VIEW churn.scoring_health IS 'The last 24 hours of scoring, one row per hour: scores logged, scoring errors, and (the same on every row) profiles whose score is stale or missing, the age of the oldest score of a current customer, and the current customers still served another model''s score than the active one''s, overdue once the setting model_change_grace has passed since the model change.';
COMMENT ON COLUMN churn.scoring_health.hour IS 'Start of the hour.';
COMMENT ON COLUMN churn.scoring_health.scores IS 'Scores logged in that hour.';
COMMENT ON COLUMN churn.scoring_health.errors IS 'Scoring errors recorded in that hour.';
COMMENT ON COLUMN churn.scoring_health.stale_profiles IS 'Profiles whose last rescoring failed (now).';
COMMENT ON COLUMN churn.scoring_health.unscored_profiles IS 'Current customers never scored (now).';
COMMENT ON COLUMN churn.scoring_health.oldest_score_age IS 'Age of the oldest score of a current customer (now).';
COMMENT ON COLUMN churn.scoring_health.other_model_profiles IS 'Current customers (churned_at IS NULL) served a score of another model than the active one, other than the running challenger''s served share (now); 0 once they are rescored (pgchurn rescore, CALL churn.rescore_all()).';
COMMENT ON COLUMN churn.scoring_health.model_changed_at IS 'When the active model became active: its latest activate, rollback or promote in churn.model_audit.';
COMMENT ON COLUMN churn.scoring_health.model_change_grace IS 'The setting model_change_grace (default 1 hour): how long after a model change other-model scores are expected.';
COMMENT ON COLUMN churn.scoring_health.other_model_overdue IS 'True when other_model_profiles > 0 and more than model_change_grace has passed since model_changed_at: pgchurn monitor reports a breach.';
