CREATE OR REPLACE FUNCTION churn.purge_score_log()
RETURNS bigint
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
WITH purged AS (
    DELETE FROM churn.score_log
     WHERE scored_at < now() - make_interval(days => (
               SELECT value::integer FROM churn.setting WHERE name = 'score_log_retention_days'))
    RETURNING 1
)
SELECT count(*) FROM purged
$$;

REVOKE EXECUTE ON FUNCTION churn.purge_score_log() FROM PUBLIC;
COMMENT ON FUNCTION churn.purge_score_log() IS 'Deletes churn.score_log rows older than the score_log_retention_days setting and returns how many it deleted. Run it nightly (pg_cron or cron).';
