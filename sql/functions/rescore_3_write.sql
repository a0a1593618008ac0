-- Rescoring, stage 3 of 3: the one rescoring path and the one writer of churn.customer_score's
-- counters and score columns. The commit-time trigger (churn.on_rescore_request) and batches
-- (churn.rescore_batch) call churn._rescore with the customers to score, their
-- churn.customer_score rows already locked in customer_id order. One statement reads their
-- features, scores them (churn._score, stage 1), and writes the score rows, the score log, the
-- scoring errors and the notifications (stage 2).

CREATE OR REPLACE FUNCTION churn._rescore(customer_ids bigint[], complaint_ids bigint[],
                                          triggered_by text[])
RETURNS integer
LANGUAGE plpgsql
VOLATILE
-- Not SECURITY DEFINER (see churn._score): called only by the owner's definer functions.
-- No SET clause either (revision 0016): a function with one saves and restores the setting at
-- every call. The commit trigger, which calls it once per transaction, sets plan_cache_mode =
-- force_generic_plan itself (with array parameters a custom plan would be planned at every
-- call); a batch calls it once per chunk of thousands, where a custom plan costs nothing.
AS $$
DECLARE
    -- Read after the caller's locks were granted, as is the snapshot of the statement below:
    -- so every complaint committed before the locks were granted is counted.
    clock    timestamptz := clock_timestamp();
    scored   integer;
    notified integer;
BEGIN
    -- Revision 0016 made this statement lean: every SQL function it calls is inlined (one that
    -- is not, like churn.notify_threshold(), is planned again at every call), the models and
    -- each setting are read once, the counters are churn.feature_frame's counts (no second
    -- count), the score log gets the packed inputs (no reasons: they are recomputed on
    -- demand), and the automatic notification threshold comes with the champion.
    WITH arm AS (
        -- The champion (a row with NULL model when none is active, which _score reports) and
        -- any challenger.
        SELECT 'champion'::text AS variant, m.model_id, m.pmml_sha256,
               NULL::double precision AS share, false AS serves,
               (m.metrics ->> 'notify_threshold')::double precision AS auto_threshold
          FROM (SELECT) one LEFT JOIN churn.model m ON m.status = 'active'
        UNION ALL
        SELECT 'challenger', m.model_id, m.pmml_sha256, m.challenger_share, m.challenger_serves,
               NULL
          FROM churn.model m WHERE m.status = 'challenger'
    ), target AS (
        -- Each customer is scored as of the clock, or as of its latest complaint when that is
        -- later (a complaint may be stamped up to 5 minutes ahead): no committed complaint is
        -- ever left out, and churn.customer_features(id, scored_at) reproduces the features.
        SELECT t.customer_id, t.complaint_id, t.triggered_by, x.last_at,
               greatest(clock, x.last_at) AS as_of
          FROM unnest(customer_ids, complaint_ids, triggered_by)
                 AS t(customer_id, complaint_id, triggered_by)
          LEFT JOIN LATERAL (
                SELECT c.created_at AS last_at
                  FROM churn.complaint c
                 WHERE c.customer_id = t.customer_id AND isfinite(c.created_at)
                 ORDER BY c.created_at DESC
                 LIMIT 1) x ON true
    ), feature AS (
        SELECT t.*, s.churn_score AS previous_score, s.churn_model_id AS previous_model_id,
               -- No feature row (customer_since later than as_of, or not finite): NULL, which
               -- churn._score reports as the reason the customer cannot be scored.
               CASE WHEN f.customer_id IS NOT NULL THEN ROW(f.*)::churn.features END AS f,
               churn.experiment_bucket(t.customer_id) AS bucket
          FROM target t
          -- Each customer's score row by its key (LIMIT 1 keeps the subquery a per-row index
          -- lookup: joined plainly, a batch of thousands was planned as a hash join over the
          -- whole table, 0.2 s a chunk at a million customers).
          JOIN LATERAL (
                SELECT s.churn_score, s.churn_model_id
                  FROM churn.customer_score s
                 WHERE s.customer_id = t.customer_id
                 LIMIT 1) s ON true
          LEFT JOIN LATERAL churn.feature_frame(t.as_of, every_column => true) f
                 ON f.customer_id = t.customer_id
    ), score AS (
        SELECT fe.customer_id, fe.complaint_id, fe.triggered_by, fe.last_at, fe.as_of,
               fe.previous_score, fe.previous_model_id, fe.f, a.variant, a.model_id,
               (a.variant = 'challenger')
                   = EXISTS (SELECT 1 FROM arm c
                              WHERE c.variant = 'challenger' AND c.serves
                                AND fe.bucket < c.share) AS served,
               churn._score(a.pmml_sha256, fe.f) AS r
          FROM feature fe
          JOIN arm a ON a.variant = 'champion' OR fe.bucket < a.share
    ), written AS (
        -- The one writer of churn.customer_score's counters and score columns. Each customer
        -- has exactly one served row in score (the champion's, or the serving challenger's),
        -- with its features, whether or not it could be scored.
        UPDATE churn.customer_score p
           SET complaints_total = coalesce((s.f).complaints_total,
                                           (SELECT count(*) FROM churn.complaint c
                                             WHERE c.customer_id = s.customer_id
                                               AND isfinite(c.created_at))),
               last_complaint_at = s.last_at,
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
                                      ELSE s.as_of END,
               churn_score_stale = (s.r).score IS NULL,
               updated_at = clock
          FROM score s
         WHERE s.served AND p.customer_id = s.customer_id
    ), failed AS (
        INSERT INTO churn.scoring_error (customer_id, model_id, error, sqlstate, triggered_by,
                                         complaint_id)
        SELECT s.customer_id, s.model_id, (s.r).error, (s.r).sqlstate, s.triggered_by,
               s.complaint_id
          FROM score s
         WHERE (s.r).score IS NULL
    ), logged AS (
        INSERT INTO churn.score_log_data (scored_at, customer_id, complaint_id, score,
                                          previous_score, model_id, previous_model_id,
                                          log_month, triggered_by, challenger, served, inputs)
        SELECT s.as_of, s.customer_id, s.complaint_id, (s.r).score, s.previous_score,
               s.model_id, s.previous_model_id,
               churn._log_month(s.as_of),
               CASE s.triggered_by WHEN 'complaint' THEN 'c' WHEN 'profile_insert' THEN 'i'
                                   WHEN 'profile_update' THEN 'u' WHEN 'batch' THEN 'b'
                                   WHEN 'manual' THEN 'm' END::"char",
               s.variant = 'challenger', s.served, (s.r).inputs
          FROM score s
         WHERE (s.r).score IS NOT NULL
        RETURNING score_log_id, customer_id, score, previous_score, served
    ), threshold AS MATERIALIZED (
        -- MATERIALIZED: pulled up, the threshold would be an expression with a subplan, and
        -- churn._notify_wanted, which reads it twice, would no longer be inlined.
        SELECT CASE WHEN t.value = 'auto'
                    THEN coalesce((SELECT a.auto_threshold FROM arm a
                                    WHERE a.variant = 'champion'), 0.5)
                    ELSE t.value::double precision END AS threshold,
               (SELECT s.value::double precision FROM churn.setting s
                 WHERE s.name = 'notify_delta') AS delta,
               (SELECT s.value FROM churn.setting s WHERE s.name = 'notify_mode') AS mode
          FROM (SELECT (SELECT s.value FROM churn.setting s
                         WHERE s.name = 'notify_threshold') AS value) t
    )
    SELECT count(*) FILTER (WHERE l.served),
           count(churn._notify(st.mode, churn._notify_message(l.customer_id, l.score_log_id)))
               FILTER (WHERE l.served AND churn._notify_wanted(l.previous_score, l.score,
                                                               st.threshold, st.delta))
      INTO scored, notified
      FROM logged l CROSS JOIN threshold st;
    RETURN scored;
END
$$;

REVOKE EXECUTE ON FUNCTION churn._rescore(bigint[], bigint[], text[]) FROM PUBLIC;

COMMENT ON FUNCTION churn._rescore(bigint[], bigint[], text[]) IS 'Internal: rescores customers whose churn.customer_score rows the caller has locked, in one statement: recounts their complaints, scores them with the champion (and the challenger for its share) as of the later of the clock and their latest complaint, and writes churn.customer_score, score_log, scoring_error and notifications (sent or queued, by notify_mode). Returns the number of customers scored.';
