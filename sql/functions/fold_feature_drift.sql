-- The baseline bin of a numeric value, with the edges negated and reversed once per statement:
-- bins are (-inf, e1], (e1, e2], ..., (ek, inf), that is 1 + the number of edges below the
-- value, and width_bucket(-v, negated) counts the edges at or above it by binary search.
-- (churn.bin_of gives the same bins by counting, and costs a subquery per value.)
CREATE OR REPLACE FUNCTION churn._drift_bin(value double precision, negated_edges double precision[])
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN value IS NULL THEN 0
            ELSE cardinality(negated_edges) + 1 - width_bucket(-value, negated_edges) END
$$;

REVOKE EXECUTE ON FUNCTION churn._drift_bin(double precision, double precision[]) FROM PUBLIC;

COMMENT ON FUNCTION churn._drift_bin(double precision, double precision[]) IS 'Internal: the 1-based baseline bin of value given the bin edges negated in reverse order (churn._negated_edges), 0 for NULL; the same bins as churn.bin_of.';

CREATE OR REPLACE FUNCTION churn._negated_edges(edges double precision[])
RETURNS double precision[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT array_agg(-e ORDER BY o DESC) FROM unnest(edges) WITH ORDINALITY AS t(e, o) $$;

REVOKE EXECUTE ON FUNCTION churn._negated_edges(double precision[]) FROM PUBLIC;

COMMENT ON FUNCTION churn._negated_edges(double precision[]) IS 'Internal: bin edges negated and in reverse order, ascending, as churn._drift_bin takes them.';

-- The logged inputs that drift counts, binned, for the scores logged in [from, until): the one
-- definition that the fold and the view's raw part share. A score of a customer who had
-- churned when scored is left out (revision 0014: churned customers are not drift).
CREATE OR REPLACE FUNCTION churn._drift_buckets(from_time timestamptz, until_time timestamptz,
                                                whole_hours boolean)
RETURNS TABLE (model_id bigint, hour timestamptz, feature text, bucket text, n bigint)
LANGUAGE sql
STABLE
-- A definer: churn.feature_drift calls it for its analysts, who may read neither the score
-- log nor the profiles; it returns counts only.
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
WITH base AS (
    SELECT m.model_id, f.key AS feature, 'numeric' AS kind,
           churn._negated_edges(churn.jsonb_floats(f.value -> 'edges')) AS negated_edges
      FROM churn.model m, jsonb_each(m.baselines -> 'numeric') f
     WHERE m.input_fields @> jsonb_build_array(jsonb_build_object('name', f.key))
    UNION ALL
    SELECT m.model_id, f.key, 'categorical', NULL
      FROM churn.model m, jsonb_each(m.baselines -> 'categorical') f
     WHERE m.input_fields @> jsonb_build_array(jsonb_build_object('name', f.key))
), logged AS MATERIALIZED (  -- each row's features decoded once (0016: churn.score_log is a view)
    SELECT l.model_id, l.scored_at, l.features
      FROM (SELECT DISTINCT b.model_id FROM base b) m
     CROSS JOIN LATERAL (
            SELECT x.model_id, x.customer_id, x.scored_at, x.features
              FROM churn.score_log x
             WHERE x.model_id = m.model_id
               AND x.scored_at >= from_time AND x.scored_at < until_time) l
     WHERE NOT EXISTS (SELECT 1 FROM churn.customer_profile p
                        WHERE p.customer_id = l.customer_id AND p.churned_at <= l.scored_at)
)
SELECT b.model_id,
       CASE WHEN whole_hours THEN date_trunc('hour', r.scored_at, 'UTC') END,
       b.feature,
       CASE WHEN b.kind = 'numeric'
            THEN churn._drift_bin(nullif(r.features ->> b.feature, '')::double precision,
                                  b.negated_edges)::text
            ELSE coalesce(r.features ->> b.feature, 'null') END,
       count(*)
  FROM base b JOIN logged r ON r.model_id = b.model_id
 GROUP BY 1, 2, 3, 4
$$;

REVOKE EXECUTE ON FUNCTION churn._drift_buckets(timestamptz, timestamptz, boolean) FROM PUBLIC;

COMMENT ON FUNCTION churn._drift_buckets(timestamptz, timestamptz, boolean) IS 'Internal: logged model inputs of the scores logged in [from_time, until_time), counted per model, feature and baseline bin or category (and per hour when whole_hours), leaving out scores of customers who had churned when scored.';

CREATE OR REPLACE FUNCTION churn.fold_feature_drift()
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $$
DECLARE
    -- A score is counted once its hour ended drift_fold_grace ago: one committed later than
    -- that (a transaction held open for longer) would be missed by the folded hours.
    grace      interval := coalesce((SELECT s.value FROM churn.setting s
                                      WHERE s.name = 'drift_fold_grace')::interval,
                                    interval '1 hour');
    oldest     timestamptz := date_trunc('hour', now() - interval '30 days', 'UTC');
    fold_from  timestamptz;
    fold_until timestamptz := date_trunc('hour', now() - grace, 'UTC');
    counted    bigint;
BEGIN
    -- One fold at a time; a concurrent call leaves the work to the one already running.
    IF NOT pg_try_advisory_xact_lock(hashtext('churn.fold_feature_drift')) THEN
        RETURN 0;
    END IF;
    SELECT greatest(f.folded_until, oldest) INTO fold_from FROM churn.drift_fold f;
    fold_from := coalesce(fold_from, oldest);
    IF fold_until <= fold_from THEN
        RETURN 0;
    END IF;
    INSERT INTO churn.drift_tally (model_id, hour, feature, bucket, n)
    SELECT b.model_id, b.hour, b.feature, b.bucket, b.n
      FROM churn._drift_buckets(fold_from, fold_until, true) b;
    GET DIAGNOSTICS counted = ROW_COUNT;
    INSERT INTO churn.drift_fold (singleton, folded_until) VALUES (true, fold_until)
        ON CONFLICT (singleton) DO UPDATE SET folded_until = excluded.folded_until;
    DELETE FROM churn.drift_tally t WHERE t.hour < oldest;
    RETURN counted;
END
$$;

REVOKE EXECUTE ON FUNCTION churn.fold_feature_drift() FROM PUBLIC;

COMMENT ON FUNCTION churn.fold_feature_drift() IS 'Counts the logged model inputs of every hour that ended at least drift_fold_grace (default 1 hour) ago into churn.drift_tally, so that churn.feature_drift reads counts instead of rows; returns the buckets written. Idempotent; run it often (pgchurn monitor and churn.rescore_all do). churn.feature_drift is exact without it, only slower.';
