-- Minimal write paths for bench/lower_bound.py: how close to the floor can ANY design of the
-- per-event write path come on this machine? Each is a plain FOR EACH ROW trigger that a
-- benchmark copy installs instead of pgchurn's (which it disables). None is a correct
-- pgchurn: they skip what pgchurn must do (see each one), so their throughput is an upper
-- bound for a design that does at least what they do.
--
--   m1_counter_log  the issue's "bare counter trigger and one more log row": UPDATE the
--                   customer's counters, INSERT one log row. No score.
--   m2_python       m1 and one PL/Python call: a logistic of four numbers.
--   m3_model        m1 and the real model: churn._score (the stored champion, GBDT-100 in the
--                   benchmark) on features made from the counters and the profile's attributes.
--                   The windowed counts are never decayed and nothing reads the history:
--                   wrong features, the cheapest possible input to the real scorer.
--   m4_features     m3 with the real features: churn.feature_frame for the one customer, from
--                   the complaint history, as pgchurn computes them.
-- Left out of all four, and in pgchurn: the commit-time, customer_id-ordered locking that makes
-- the write path deadlock-free (the hardening issue), the challenger, notifications, the
-- scoring-error log, and the score log's second index and partition routing.

CREATE SCHEMA minimal;

CREATE TABLE minimal.log (
    customer_id bigint NOT NULL,
    scored_at   timestamptz NOT NULL,
    score       double precision,
    model_id    bigint,
    inputs      bytea
);
CREATE INDEX ON minimal.log (customer_id, scored_at);

CREATE FUNCTION minimal.logistic(a double precision, b double precision,
                                 c double precision, d double precision)
RETURNS double precision
LANGUAGE plpython3u AS $$
import math
return 1.0 / (1.0 + math.exp(-(0.1 * a + 0.2 * b + 0.3 * c + 0.01 * d - 1.0)))
$$;

CREATE FUNCTION minimal.on_complaint() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    design text := TG_ARGV[0];
    s      churn.customer_score;
    f      churn.features;
    r      record;
    model  churn.model;
    score  double precision;
    inputs bytea;
BEGIN
    IF design IN ('m1_counter_log', 'm2_python') THEN
        UPDATE churn.customer_score
           SET complaints_total = complaints_total + 1,
               complaints_30d = coalesce(complaints_30d, 0) + 1,
               complaints_90d = coalesce(complaints_90d, 0) + 1,
               severe_complaints_90d = coalesce(severe_complaints_90d, 0)
                                       + (NEW.severity >= 4)::integer,
               last_complaint_at = NEW.created_at, updated_at = now()
         WHERE customer_id = NEW.customer_id
        RETURNING * INTO s;
        IF design = 'm2_python' THEN
            score := minimal.logistic(s.complaints_total, s.complaints_30d, s.complaints_90d,
                                      NEW.severity);
        END IF;
    ELSE
        SELECT * INTO model FROM churn.model m WHERE m.status = 'active';
        IF design = 'm3_model' THEN
            f := (SELECT ROW(p.customer_id,
                             (extract(year FROM age(now(), p.customer_since)) * 12
                              + extract(month FROM age(now(), p.customer_since)))::integer,
                             c.complaints_total + 1, coalesce(c.complaints_30d, 0) + 1,
                             coalesce(c.complaints_90d, 0) + 1,
                             coalesce(c.severe_complaints_90d, 0) + (NEW.severity >= 4)::integer,
                             0.0,
                             to_jsonb(p) - '{customer_id,customer_since,churned_at,updated_at}'::text[],
                             NEW.severity, NEW.severity)::churn.features
                    FROM churn.customer_profile p
                    JOIN churn.customer_score c ON c.customer_id = p.customer_id
                   WHERE p.customer_id = NEW.customer_id);
        ELSE
            f := (SELECT ROW(x.*)::churn.features
                    FROM churn.feature_frame(NEW.created_at, every_column => true) x
                   WHERE x.customer_id = NEW.customer_id);
        END IF;
        r := churn._score(model.pmml_sha256, f);
        IF r.score IS NULL THEN
            RAISE EXCEPTION 'minimal write path: churn._score failed: %', r.error;
        END IF;
        score := r.score;
        inputs := r.inputs;
        UPDATE churn.customer_score
           SET complaints_total = f.complaints_total, complaints_30d = f.complaints_30d,
               complaints_90d = f.complaints_90d, severe_complaints_90d = f.severe_complaints_90d,
               last_complaint_at = NEW.created_at, churn_score = score,
               churn_model_id = model.model_id, updated_at = now()
         WHERE customer_id = NEW.customer_id;
    END IF;
    INSERT INTO minimal.log VALUES (NEW.customer_id, now(), score, model.model_id, inputs);
    RETURN NULL;
END
$$;
