-- The one rescoring path: complaint triggers, profile updates and batches all call
-- churn._rescore with the customers to score, already locked by the caller. One statement
-- reads their features, scores them (churn._score, PL/Python, once per customer and model),
-- and writes profiles, score log, scoring errors and notifications.

CREATE OR REPLACE FUNCTION churn._score(pmml_sha256 text, features churn.features)
RETURNS churn.scored
LANGUAGE plpython3u
-- VOLATILE: a backend that compiles a model from its document stores the compiled code.
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
pgchurn = GD.get("pgchurn")
if pgchurn is None or pgchurn.CODE_VERSION != "f271c5c788a0b18b":
    plpy.execute("SELECT churn._load_code()")
    pgchurn = GD["pgchurn"]
    if pgchurn.CODE_VERSION != "f271c5c788a0b18b":
        plpy.error("pgchurn code version mismatch: this function expects f271c5c788a0b18b but "
                   "churn.plpython_module holds " + pgchurn.CODE_VERSION,
                   hint="run: alembic upgrade head")
return pgchurn.realtime.score_row(pmml_sha256, features)
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn._score(text, churn.features) FROM PUBLIC;

COMMENT ON FUNCTION churn._score(text, churn.features) IS 'Internal: score and top three reasons of one feature row under the model with this PMML sha256 (compiled code cached per backend). A failure comes back as error and sqlstate with a NULL score, unless on_score_error is raise.';

CREATE OR REPLACE FUNCTION churn._rescore(customer_ids bigint[], complaint_ids bigint[],
                                          new_complaints integer[],
                                          last_complaint_at timestamptz[], triggered_by text)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
-- Array parameters: a custom plan would be re-planned on every call.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    scored   integer;
    notified integer;
BEGIN
    -- Runs in a statement that starts after the caller locked the profiles, so the features
    -- count every complaint committed before the locks were granted.
    WITH target AS (
        SELECT * FROM unnest(customer_ids, complaint_ids, new_complaints, last_complaint_at)
                 AS t(customer_id, complaint_id, n, last_at)
    ), arm AS (
        -- The champion (a row with NULL model when none is active, which _score reports) and
        -- any challenger, with the feature_frame columns its log must leave out.
        SELECT 'champion'::text AS variant, m.model_id, m.pmml_sha256,
               NULL::double precision AS share, false AS serves,
               jsonb_path_query_array(m.input_fields, '$[*].name') AS names
          FROM (SELECT) one LEFT JOIN churn.model m ON m.status = 'active'
        UNION ALL
        SELECT 'challenger', m.model_id, m.pmml_sha256, m.challenger_share,
               m.challenger_serves, jsonb_path_query_array(m.input_fields, '$[*].name')
          FROM churn.model m WHERE m.status = 'challenger'
    ), model_arm AS MATERIALIZED (  -- once per statement, not once per scored row
        SELECT a.*, ARRAY(SELECT att.attname::text FROM pg_catalog.pg_attribute att
                           WHERE att.attrelid = 'churn.features'::regclass AND att.attnum > 0
                             AND NOT att.attisdropped
                             AND NOT a.names ? att.attname::text) AS unused
          FROM arm a
    ), feature AS (
        SELECT t.customer_id, t.complaint_id, p.churn_score AS previous_score,
               ROW(f.*)::churn.features AS f,
               EXISTS (SELECT 1 FROM arm c
                        WHERE c.variant = 'challenger' AND c.serves
                          AND churn.experiment_bucket(t.customer_id) < c.share) AS challenger_served
          FROM target t
          JOIN churn.customer_profile p ON p.customer_id = t.customer_id
          JOIN LATERAL churn.feature_frame(now()) f ON f.customer_id = t.customer_id
    ), score AS (
        SELECT fe.customer_id, fe.complaint_id, fe.previous_score, fe.f, a.variant, a.model_id,
               a.unused, (a.variant = 'challenger') = fe.challenger_served AS served,
               churn._score(a.pmml_sha256, fe.f) AS r
          FROM feature fe
          JOIN model_arm a ON a.variant = 'champion'
                           OR churn.experiment_bucket(fe.customer_id) < a.share
    ), profile AS (
        UPDATE churn.customer_profile p
           SET complaints_total = p.complaints_total + coalesce(t.n, 0),
               last_complaint_at = GREATEST(p.last_complaint_at, t.last_at),
               updated_at = CASE WHEN t.n > 0 THEN now() ELSE p.updated_at END,
               complaints_30d = coalesce((s.f).complaints_30d, p.complaints_30d),
               complaints_90d = coalesce((s.f).complaints_90d, p.complaints_90d),
               severe_complaints_90d = coalesce((s.f).severe_complaints_90d,
                                                p.severe_complaints_90d),
               churn_score = coalesce((s.r).score, p.churn_score),
               churn_model_id = CASE WHEN (s.r).score IS NULL THEN p.churn_model_id
                                     ELSE s.model_id END,
               churn_variant = CASE WHEN (s.r).score IS NULL THEN p.churn_variant
                                    ELSE s.variant END,
               churn_scored_at = CASE WHEN (s.r).score IS NULL THEN p.churn_scored_at
                                      ELSE now() END,
               churn_score_stale = CASE WHEN s.customer_id IS NULL THEN p.churn_score_stale
                                        ELSE (s.r).score IS NULL END
          FROM target t LEFT JOIN score s ON s.customer_id = t.customer_id AND s.served
         WHERE p.customer_id = t.customer_id
    ), failed AS (
        INSERT INTO churn.scoring_error (customer_id, model_id, error, sqlstate, triggered_by,
                                         complaint_id)
        SELECT s.customer_id, s.model_id, (s.r).error, (s.r).sqlstate, _rescore.triggered_by,
               s.complaint_id
          FROM score s
         WHERE (s.r).score IS NULL
    ), logged AS (
        INSERT INTO churn.score_log (customer_id, model_id, score, previous_score, features,
                                     reasons, complaint_id, variant, served, triggered_by)
        SELECT s.customer_id, s.model_id, (s.r).score, s.previous_score,
               to_jsonb(s.f) - 'customer_id' - s.unused, (s.r).reasons, s.complaint_id,
               s.variant, s.served, _rescore.triggered_by
          FROM score s
         WHERE (s.r).score IS NOT NULL
        RETURNING customer_id, model_id, variant, score, previous_score, complaint_id, served
    ), setting AS (
        SELECT (SELECT value::double precision FROM churn.setting
                 WHERE name = 'notify_threshold') AS threshold,
               (SELECT value::double precision FROM churn.setting
                 WHERE name = 'notify_delta') AS delta
    )
    -- pg_notify queues the message; PostgreSQL delivers it at commit, never before.
    SELECT count(*) FILTER (WHERE l.served),
           count(pg_notify('churn_score', json_build_object(
               'customer_id', l.customer_id, 'model_id', l.model_id, 'variant', l.variant,
               'score', l.score, 'previous_score', l.previous_score,
               'threshold', st.threshold, 'triggered_by', _rescore.triggered_by,
               'complaint_id', l.complaint_id)::text))
               FILTER (WHERE l.served AND CASE
                   WHEN l.previous_score IS NULL THEN l.score >= st.threshold
                   ELSE (l.previous_score < st.threshold) <> (l.score < st.threshold)
                        OR abs(l.score - l.previous_score) >= st.delta END)
      INTO scored, notified
      FROM logged l CROSS JOIN setting st;
    RETURN scored;
END
$$;

REVOKE EXECUTE ON FUNCTION churn._rescore(bigint[], bigint[], integer[], timestamptz[], text)
    FROM PUBLIC;

COMMENT ON FUNCTION churn._rescore(bigint[], bigint[], integer[], timestamptz[], text) IS 'Internal: rescores customers the caller has locked, in one statement: bumps complaint counters by new_complaints, scores with the champion (and the challenger for its share), writes profiles, score_log, scoring_error and notifications. Returns the number of customers scored.';
