-- The score log's helpers (revision 0016): the month bucket of its partitions, and what its view
-- churn.score_log decodes or recomputes from a compact row (features and reasons).

CREATE OR REPLACE FUNCTION churn._logged_features(model_id integer, inputs bytea)
RETURNS jsonb
LANGUAGE plpython3u
-- STABLE (not VOLATILE): a query over churn.score_log that does not select features never
-- calls it. PARALLEL UNSAFE: PL/Python starts a subtransaction for every query it runs, which
-- a parallel operation refuses, in the leader as in a worker (so a query over the view
-- churn.score_log never runs in parallel; churn.score_log_data's own queries may).
-- SECURITY DEFINER: a view's functions run as its reader, and the analyst reads the view; this
-- reads the model (and may cache its compiled code) as the owner.
STABLE
STRICT
PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
COST 1000
AS $pgchurn$
@DISPATCH score_log.logged_features(model_id, inputs)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn._logged_features(integer, bytea) FROM PUBLIC;

COMMENT ON FUNCTION churn._logged_features(integer, bytea) IS 'Internal: the features of a compact score-log row, decoded from its inputs in its model''s input order: the jsonb the scorer would have logged.';

CREATE OR REPLACE FUNCTION churn._logged_reasons(model_id integer, inputs bytea)
RETURNS jsonb
LANGUAGE plpython3u
STABLE
STRICT
PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
COST 5000
AS $pgchurn$
@DISPATCH score_log.logged_reasons(model_id, inputs)@
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn._logged_reasons(integer, bytea) FROM PUBLIC;

COMMENT ON FUNCTION churn._logged_reasons(integer, bytea) IS 'Internal: the top three reasons of a compact score-log row, recomputed from its inputs with the scorer''s own code: bit for bit what the scorer would have logged.';

CREATE OR REPLACE FUNCTION churn._log_month(scored_at timestamptz)
RETURNS smallint
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
-- Inlined by the planner (one SQL expression, IMMUTABLE, no SET): the partition key's CHECK and
-- the writer's log_month cost no function call. Months in UTC, 24 buckets, never negative.
AS $$
SELECT (((extract(year FROM scored_at AT TIME ZONE 'UTC')::integer * 12
          + extract(month FROM scored_at AT TIME ZONE 'UTC')::integer - 1) % 24 + 24) % 24)::smallint
$$;

REVOKE EXECUTE ON FUNCTION churn._log_month(timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION churn._log_month(timestamptz) IS 'Internal: the score log''s partition of a time: (year * 12 + month - 1) mod 24, in UTC. churn.score_log_mNN holds the months whose bucket is NN.';

CREATE OR REPLACE FUNCTION churn._score_log_insert()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    code "char" := CASE NEW.triggered_by WHEN 'complaint' THEN 'c' WHEN 'profile_insert' THEN 'i'
                        WHEN 'profile_update' THEN 'u' WHEN 'batch' THEN 'b'
                        WHEN 'manual' THEN 'm' END;
BEGIN
    IF code IS NULL THEN
        RAISE EXCEPTION 'score_log.triggered_by is %; it must be complaint, profile_insert, profile_update, batch or manual',
                        coalesce(quote_literal(NEW.triggered_by), 'NULL')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'score_log_triggered_by_is_known';
    END IF;
    IF NEW.variant IS DISTINCT FROM 'champion' AND NEW.variant IS DISTINCT FROM 'challenger' THEN
        RAISE EXCEPTION 'score_log.variant is %; it must be champion or challenger',
                        coalesce(quote_literal(NEW.variant), 'NULL')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'score_log_variant_is_known';
    END IF;
    NEW.score_log_id := coalesce(NEW.score_log_id, nextval('churn.score_log_id'));
    NEW.scored_at := coalesce(NEW.scored_at, now());
    INSERT INTO churn.score_log_data (scored_at, score_log_id, customer_id, complaint_id, score,
                                      previous_score, model_id, previous_model_id, log_month,
                                      triggered_by, challenger, served, features, reasons)
    VALUES (NEW.scored_at, NEW.score_log_id, NEW.customer_id, NEW.complaint_id, NEW.score,
            NEW.previous_score, NEW.model_id, NEW.previous_model_id,
            churn._log_month(NEW.scored_at), code, NEW.variant = 'challenger', NEW.served,
            NEW.features, NEW.reasons);
    RETURN NEW;
END
$$;

REVOKE EXECUTE ON FUNCTION churn._score_log_insert() FROM PUBLIC;

COMMENT ON FUNCTION churn._score_log_insert() IS 'Trigger function: INSERT into the view churn.score_log stores the row in churn.score_log_data, features and reasons as given (jsonb).';
