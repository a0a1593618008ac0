-- Retention of the score log (revision 0016): a month partition whose rows are all past
-- retention is truncated (no dead rows, no bloat); the month at the cutoff, which holds newer
-- rows too, has only its older rows deleted. Static statements only: a CASE over the 24 names.
CREATE OR REPLACE FUNCTION churn.purge_score_log()
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
-- Never queue behind a long analyst query: a TRUNCATE waiting for its lock would block every
-- writer and reader of that partition behind it. A partition not granted in time is skipped.
SET lock_timeout = '500ms'
AS $$
DECLARE
    setting text := (SELECT value FROM churn.setting WHERE name = 'score_log_retention_days');
    days    integer;
    cutoff  timestamptz;
    purged  bigint := 0;
    removed bigint;
    skipped text[] := '{}';
BEGIN
    IF setting IS NULL OR setting !~ '^\s*[0-9]{1,9}\s*$' OR setting::integer NOT BETWEEN 1 AND 700 THEN
        RAISE EXCEPTION 'setting score_log_retention_days is %; it must be a whole number of days from 1 to 700',
                        coalesce(quote_literal(setting), 'missing')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The score log keeps 24 month partitions in a cycle; more than 700 days would keep two months in one partition.',
                  HINT = 'UPDATE churn.setting SET value = ''365'' WHERE name = ''score_log_retention_days''; -- as a superuser';
    END IF;
    days := setting::integer;
    cutoff := now() - make_interval(days => days);
    FOR month IN 0..23 LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM churn.score_log_data d
                                   WHERE d.log_month = month AND d.scored_at < cutoff);
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM churn.score_log_data d
                            WHERE d.log_month = month AND d.scored_at >= cutoff) THEN
                -- Every row is past retention: the whole month goes, without dead rows.
                SELECT count(*) INTO removed FROM churn.score_log_data d WHERE d.log_month = month;
                CASE month
                    WHEN 0 THEN TRUNCATE churn.score_log_m00;
                    WHEN 1 THEN TRUNCATE churn.score_log_m01;
                    WHEN 2 THEN TRUNCATE churn.score_log_m02;
                    WHEN 3 THEN TRUNCATE churn.score_log_m03;
                    WHEN 4 THEN TRUNCATE churn.score_log_m04;
                    WHEN 5 THEN TRUNCATE churn.score_log_m05;
                    WHEN 6 THEN TRUNCATE churn.score_log_m06;
                    WHEN 7 THEN TRUNCATE churn.score_log_m07;
                    WHEN 8 THEN TRUNCATE churn.score_log_m08;
                    WHEN 9 THEN TRUNCATE churn.score_log_m09;
                    WHEN 10 THEN TRUNCATE churn.score_log_m10;
                    WHEN 11 THEN TRUNCATE churn.score_log_m11;
                    WHEN 12 THEN TRUNCATE churn.score_log_m12;
                    WHEN 13 THEN TRUNCATE churn.score_log_m13;
                    WHEN 14 THEN TRUNCATE churn.score_log_m14;
                    WHEN 15 THEN TRUNCATE churn.score_log_m15;
                    WHEN 16 THEN TRUNCATE churn.score_log_m16;
                    WHEN 17 THEN TRUNCATE churn.score_log_m17;
                    WHEN 18 THEN TRUNCATE churn.score_log_m18;
                    WHEN 19 THEN TRUNCATE churn.score_log_m19;
                    WHEN 20 THEN TRUNCATE churn.score_log_m20;
                    WHEN 21 THEN TRUNCATE churn.score_log_m21;
                    WHEN 22 THEN TRUNCATE churn.score_log_m22;
                    WHEN 23 THEN TRUNCATE churn.score_log_m23;
                END CASE;
            ELSE
                -- The month at the cutoff: only its older rows.
                DELETE FROM churn.score_log_data d WHERE d.log_month = month AND d.scored_at < cutoff;
                GET DIAGNOSTICS removed = ROW_COUNT;
            END IF;
            purged := purged + removed;
        EXCEPTION WHEN lock_not_available THEN
            skipped := skipped || ('score_log_m' || to_char(month, 'FM00'));
        END;
    END LOOP;
    IF cardinality(skipped) > 0 THEN
        RAISE WARNING 'purge_score_log skipped churn.% (its lock was not granted within 500 ms: a long query reads it); their old rows stay until the next purge',
                      array_to_string(skipped, ', churn.')
            USING HINT = 'run SELECT churn.purge_score_log() again when the long query has ended (see pg_stat_activity)';
    END IF;
    RETURN purged;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.purge_score_log() FROM PUBLIC;
COMMENT ON FUNCTION churn.purge_score_log() IS 'Removes churn.score_log rows older than the score_log_retention_days setting (1 to 700) and returns how many: truncates each month partition whose rows are all older, deletes the older rows of the month at the cutoff; a partition whose lock is not granted within 500 ms is skipped with a warning. Run it nightly (pg_cron or cron).';
