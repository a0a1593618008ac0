-- The model registry: one row per registered PMML document.
CREATE TABLE churn.model (
    model_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text        NOT NULL CONSTRAINT model_name_not_blank CHECK (btrim(name) <> ''),
    status            text        NOT NULL DEFAULT 'registered'
                      CONSTRAINT model_status_is_known
                      CHECK (status IN ('registered', 'active', 'challenger', 'retired')),
    pmml              text        NOT NULL,
    pmml_sha256       text        NOT NULL CONSTRAINT model_pmml_sha256_is_hex
                      CHECK (pmml_sha256 ~ '^[0-9a-f]{64}$'),
    algorithm         text,
    input_fields      jsonb       NOT NULL DEFAULT '[]'::jsonb,
    metrics           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    training_summary  jsonb       NOT NULL DEFAULT '{}'::jsonb,
    baselines         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    library_versions  jsonb       NOT NULL DEFAULT '{}'::jsonb,
    git_commit        text,
    registered_at     timestamptz NOT NULL DEFAULT now(),
    registered_by     text        NOT NULL DEFAULT session_user,
    activated_at      timestamptz,
    retired_at        timestamptz,
    verification_rows integer     NOT NULL DEFAULT 0,
    challenger_share  double precision
                      CONSTRAINT model_challenger_share_in_range
                      CHECK (challenger_share > 0 AND challenger_share <= 1),
    challenger_serves boolean     NOT NULL DEFAULT false,
    -- churn.model_compiled refers to a document by its sha256.
    CONSTRAINT model_pmml_sha256_unique UNIQUE (pmml_sha256)
);

-- At most one active model, enforced by the database rather than by the application.
CREATE UNIQUE INDEX model_at_most_one_active ON churn.model ((true)) WHERE status = 'active';
CREATE UNIQUE INDEX model_at_most_one_challenger ON churn.model ((true))
    WHERE status = 'challenger';

-- A model with scores in churn.score_log cannot be deleted: the trigger model_before_delete
-- (triggers/model_before_delete.sql) checks it, instead of a foreign key checked per score.

COMMENT ON TABLE churn.model IS 'Registry of churn models: each row is one PMML document with its metadata. At most one row is active.';
COMMENT ON COLUMN churn.model.model_id IS 'Identifier of the model version; referenced by profiles and score logs.';
COMMENT ON COLUMN churn.model.name IS 'Human name of the model, for example gbdt-2026-11.';
COMMENT ON COLUMN churn.model.status IS 'Lifecycle state: registered, active (serves the profile score), challenger (scored in shadow), retired.';
COMMENT ON COLUMN churn.model.pmml IS 'The PMML 4.4 document as exported by sklearn2pmml.';
COMMENT ON COLUMN churn.model.pmml_sha256 IS 'sha256 of the PMML document, hex; the key of the per-backend compiled-model cache.';
COMMENT ON COLUMN churn.model.algorithm IS 'Top-level PMML model element and function, for example MiningModel/classification.';
COMMENT ON COLUMN churn.model.input_fields IS 'The active input fields the model needs: name, dataType, optype and allowed values.';
COMMENT ON COLUMN churn.model.metrics IS 'Holdout metrics from training: ROC AUC, log loss, Brier score, calibration.';
COMMENT ON COLUMN churn.model.training_summary IS 'Summary of the training data: rows, time range, label rate, cutoff and horizon.';
COMMENT ON COLUMN churn.model.baselines IS 'Baselines for drift: bins per numeric feature, frequencies per category, training score distribution.';
COMMENT ON COLUMN churn.model.library_versions IS 'Versions of scikit-learn, sklearn2pmml and Python that produced the model.';
COMMENT ON COLUMN churn.model.git_commit IS 'Git commit of the training code, when known.';
COMMENT ON COLUMN churn.model.registered_at IS 'When the model was registered.';
COMMENT ON COLUMN churn.model.registered_by IS 'session_user that registered the model.';
COMMENT ON COLUMN churn.model.activated_at IS 'When the model last became active.';
COMMENT ON COLUMN churn.model.retired_at IS 'When the model was retired; retired models are never activated again.';
COMMENT ON COLUMN churn.model.verification_rows IS 'ModelVerification rows of the document that matched inside PostgreSQL at registration.';
COMMENT ON COLUMN churn.model.challenger_share IS 'For the challenger: the share of customers (by churn.experiment_bucket) it scores.';
COMMENT ON COLUMN churn.model.challenger_serves IS 'For the challenger: true when those customers are served its score, not only logged.';
