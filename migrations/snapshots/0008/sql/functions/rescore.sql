-- The one rescoring path: complaint triggers, profile updates and batches all call
-- churn._rescore with the customers to score, already locked by the caller. One statement
-- reads their features, scores them (churn._score, PL/Python, once per customer and model),
-- and writes profiles, score log, scoring errors and notifications.

CREATE OR REPLACE FUNCTION churn._score(pmml_sha256 text, features churn.features)
RETURNS churn.scored
LANGUAGE plpython3u
-- VOLATILE: a backend that compiles a model from its document stores the compiled code.
VOLATILE
-- Not SECURITY DEFINER: only the owner may execute it, and its only callers are the owner's
-- SECURITY DEFINER functions, whose pinned search_path it inherits. A definer with SET costs
-- ~14 µs per call (the search path is set and restored), and it is called once per row.
AS $pgchurn$
pgchurn = GD.get("pgchurn")
if pgchurn is None or pgchurn.CODE_VERSION != "10bbab5280c215ef":
    plpy.execute("SELECT churn._load_code()")
    pgchurn = GD["pgchurn"]
    if pgchurn.CODE_VERSION != "10bbab5280c215ef":
        plpy.error("pgchurn code version mismatch: this function expects 10bbab5280c215ef but "
                   "churn.plpython_module holds " + pgchurn.CODE_VERSION,
                   hint="run: alembic upgrade head")
return pgchurn.realtime.score_row(pmml_sha256, features)
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn._score(text, churn.features) FROM PUBLIC;

COMMENT ON FUNCTION churn._score(text, churn.features) IS 'Internal: score, top three reasons and logged features (the model''s inputs) of one feature row under the model with this PMML sha256 (compiled code cached per backend). A failure comes back as error and sqlstate with a NULL score, unless on_score_error is raise.';

-- When a new score is worth a notification, and what the notification says: one definition
-- for the single-customer and the set-based path (simple SQL functions, inlined by the planner).
CREATE OR REPLACE FUNCTION churn._notify_wanted(previous_score double precision,
                                                score double precision,
                                                threshold double precision,
                                                delta double precision)
RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
SELECT CASE WHEN previous_score IS NULL THEN score >= threshold
            ELSE (previous_score < threshold) <> (score < threshold)
                 OR abs(score - previous_score) >= delta END
$$;

REVOKE EXECUTE ON FUNCTION churn._notify_wanted(double precision, double precision,
                                                double precision, double precision) FROM PUBLIC;

COMMENT ON FUNCTION churn._notify_wanted(double precision, double precision, double precision, double precision) IS 'Internal: true when a score crosses the threshold (or is a first score at or above it) or moves by at least delta.';

CREATE OR REPLACE FUNCTION churn._notify_message(customer_id bigint, model_id bigint,
                                                 variant text, score double precision,
                                                 previous_score double precision,
                                                 threshold double precision,
                                                 triggered_by text, complaint_id bigint)
RETURNS text
LANGUAGE sql STABLE
AS $$
SELECT json_build_object('customer_id', customer_id, 'model_id', model_id, 'variant', variant,
                         'score', score, 'previous_score', previous_score,
                         'threshold', threshold, 'triggered_by', triggered_by,
                         'complaint_id', complaint_id)::text
$$;

REVOKE EXECUTE ON FUNCTION churn._notify_message(bigint, bigint, text, double precision,
                                                 double precision, double precision, text,
                                                 bigint) FROM PUBLIC;

COMMENT ON FUNCTION churn._notify_message(bigint, bigint, text, double precision, double precision, double precision, text, bigint) IS 'Internal: the JSON payload of a churn_score notification.';

-- notify_mode 'commit' (or no setting): pg_notify now, delivered at commit. 'outbox': queue
-- it in churn.notification_outbox for churn.relay_notifications(), so that this transaction
-- does not take pg_notify's commit lock (see tables/140_notification_outbox.sql).
CREATE OR REPLACE FUNCTION churn._notify(mode text, message text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
    IF mode = 'outbox' THEN
        INSERT INTO churn.notification_outbox (payload) VALUES (message::jsonb);
    ELSE
        -- pg_notify queues the message; PostgreSQL delivers it at commit, never before.
        PERFORM pg_notify('churn_score', message);
    END IF;
END
$$;

REVOKE EXECUTE ON FUNCTION churn._notify(text, text) FROM PUBLIC;

COMMENT ON FUNCTION churn._notify(text, text) IS 'Internal: sends a churn_score notification now (notify_mode commit) or queues it in churn.notification_outbox (notify_mode outbox).';

CREATE OR REPLACE FUNCTION churn._rescore(customer_ids bigint[], complaint_ids bigint[],
                                          new_complaints integer[],
                                          last_complaint_at timestamptz[], triggered_by text)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
-- Not SECURITY DEFINER (see churn._score): called only by the owner's definer functions.
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
        -- any challenger.
        SELECT 'champion'::text AS variant, m.model_id, m.pmml_sha256,
               NULL::double precision AS share, false AS serves
          FROM (SELECT) one LEFT JOIN churn.model m ON m.status = 'active'
        UNION ALL
        SELECT 'challenger', m.model_id, m.pmml_sha256, m.challenger_share, m.challenger_serves
          FROM churn.model m WHERE m.status = 'challenger'
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
               (a.variant = 'challenger') = fe.challenger_served AS served,
               churn._score(a.pmml_sha256, fe.f) AS r
          FROM feature fe
          JOIN arm a ON a.variant = 'champion'
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
               (s.r).features, (s.r).reasons, s.complaint_id,
               s.variant, s.served, _rescore.triggered_by
          FROM score s
         WHERE (s.r).score IS NOT NULL
        RETURNING customer_id, model_id, variant, score, previous_score, complaint_id, served
    ), setting AS (
        SELECT (SELECT value::double precision FROM churn.setting
                 WHERE name = 'notify_threshold') AS threshold,
               (SELECT value::double precision FROM churn.setting
                 WHERE name = 'notify_delta') AS delta,
               (SELECT value FROM churn.setting WHERE name = 'notify_mode') AS mode
    )
    SELECT count(*) FILTER (WHERE l.served),
           count(churn._notify(st.mode, churn._notify_message(
               l.customer_id, l.model_id, l.variant, l.score, l.previous_score, st.threshold,
               _rescore.triggered_by, l.complaint_id)))
               FILTER (WHERE l.served AND churn._notify_wanted(l.previous_score, l.score,
                                                               st.threshold, st.delta))
      INTO scored, notified
      FROM logged l CROSS JOIN setting st;
    RETURN scored;
END
$$;

REVOKE EXECUTE ON FUNCTION churn._rescore(bigint[], bigint[], integer[], timestamptz[], text)
    FROM PUBLIC;

COMMENT ON FUNCTION churn._rescore(bigint[], bigint[], integer[], timestamptz[], text) IS 'Internal: rescores customers the caller has locked, in one statement: bumps complaint counters by new_complaints, scores with the champion (and the challenger for its share), writes profiles, score_log, scoring_error and notifications (sent or queued, by notify_mode). Returns the number of customers scored.';

-- The single-customer path: one complaint, or one profile change, with no experiment running.
-- The same work as churn._rescore for one customer, as a few small statements: planning and
-- starting the set-based statement costs more than the whole of this for one row.
CREATE OR REPLACE FUNCTION churn._rescore_one(customer_id bigint, complaint_id bigint,
                                              new_complaints integer,
                                              last_complaint_at timestamptz,
                                              triggered_by text)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
-- Not SECURITY DEFINER (see churn._score): called only by the owner's definer functions.
AS $$
DECLARE
    model     bigint;
    sha       text;
    previous  double precision;
    f         churn.features;
    r         churn.scored;
    threshold double precision;
    delta     double precision;
    mode      text;
BEGIN
    SELECT m.model_id, m.pmml_sha256,
           (SELECT s.value::double precision FROM churn.setting s
             WHERE s.name = 'notify_threshold'),
           (SELECT s.value::double precision FROM churn.setting s WHERE s.name = 'notify_delta'),
           (SELECT s.value FROM churn.setting s WHERE s.name = 'notify_mode')
      INTO model, sha, threshold, delta, mode
      FROM churn.model m
     WHERE m.status = 'active'
       AND NOT EXISTS (SELECT 1 FROM churn.model c WHERE c.status = 'challenger');
    IF NOT FOUND THEN
        RETURN false;  -- no active model, or an experiment: the set-based path handles both
    END IF;
    -- Lock first (a no-op when the caller holds the lock), then read the features in a later
    -- statement, so that they count every complaint committed before the lock was granted.
    SELECT p.churn_score INTO previous
      FROM churn.customer_profile p
     WHERE p.customer_id = _rescore_one.customer_id
       FOR NO KEY UPDATE;
    SELECT x.* INTO f FROM churn.feature_frame(now()) x
     WHERE x.customer_id = _rescore_one.customer_id;
    IF f.customer_id IS NOT NULL THEN  -- no row: customer_since is in the future, not scored
        r := churn._score(sha, f);
    END IF;
    UPDATE churn.customer_profile p
       SET complaints_total = p.complaints_total + coalesce(new_complaints, 0),
           last_complaint_at = GREATEST(p.last_complaint_at, _rescore_one.last_complaint_at),
           updated_at = CASE WHEN new_complaints > 0 THEN now() ELSE p.updated_at END,
           complaints_30d = coalesce(f.complaints_30d, p.complaints_30d),
           complaints_90d = coalesce(f.complaints_90d, p.complaints_90d),
           severe_complaints_90d = coalesce(f.severe_complaints_90d, p.severe_complaints_90d),
           churn_score = coalesce(r.score, p.churn_score),
           churn_model_id = CASE WHEN r.score IS NULL THEN p.churn_model_id ELSE model END,
           churn_variant = CASE WHEN r.score IS NULL THEN p.churn_variant ELSE 'champion' END,
           churn_scored_at = CASE WHEN r.score IS NULL THEN p.churn_scored_at ELSE now() END,
           churn_score_stale = CASE WHEN f.customer_id IS NULL THEN p.churn_score_stale
                                    ELSE r.score IS NULL END
     WHERE p.customer_id = _rescore_one.customer_id;
    IF f.customer_id IS NULL THEN
        RETURN true;
    END IF;
    IF r.score IS NULL THEN
        INSERT INTO churn.scoring_error (customer_id, model_id, error, sqlstate, triggered_by,
                                         complaint_id)
        VALUES (_rescore_one.customer_id, model, r.error, r.sqlstate, _rescore_one.triggered_by,
                _rescore_one.complaint_id);
        RETURN true;
    END IF;
    INSERT INTO churn.score_log (customer_id, model_id, score, previous_score, features,
                                 reasons, complaint_id, variant, served, triggered_by)
    VALUES (_rescore_one.customer_id, model, r.score, previous, r.features, r.reasons,
            _rescore_one.complaint_id, 'champion', true, _rescore_one.triggered_by);
    IF churn._notify_wanted(previous, r.score, threshold, delta) THEN
        PERFORM churn._notify(mode, churn._notify_message(
            _rescore_one.customer_id, model, 'champion', r.score, previous, threshold,
            _rescore_one.triggered_by, _rescore_one.complaint_id));
    END IF;
    RETURN true;
END
$$;

REVOKE EXECUTE ON FUNCTION churn._rescore_one(bigint, bigint, integer, timestamptz, text)
    FROM PUBLIC;

COMMENT ON FUNCTION churn._rescore_one(bigint, bigint, integer, timestamptz, text) IS 'Internal: churn._rescore for one customer when a model is active and no challenger is set, in a few small statements. Returns false, having done nothing, when that does not hold: the caller then takes churn._rescore.';
