-- Settings a DBA controls. Read by the PL/Python code; written only by the migration owner.
CREATE TABLE churn.setting (
    name         text PRIMARY KEY CONSTRAINT setting_name_is_identifier CHECK (name ~ '^[a-z_]+$'),
    value        text NOT NULL,
    description  text NOT NULL,
    CONSTRAINT setting_notify_mode_is_known
        CHECK (name <> 'notify_mode' OR value IN ('commit', 'outbox'))
);

-- Every setting, with its default; revisions that add one insert it themselves.
INSERT INTO churn.setting (name, value, description) VALUES
    ('drift_fold_grace', '1 hour', 'churn.fold_feature_drift() counts an hour of the score log once the hour ended this long ago; a score committed later than that after it was computed is left out of churn.feature_drift. An interval.'),
    ('max_pmml_bytes', '20000000', 'Largest PMML document churn.register_model accepts, in bytes (default 20 MB). Registering a document needs up to about 10 times its size in server memory (measured 6-8x for 20-70 MB forests), and every connection that scores with an active model holds its compiled code, about 1.5 times the document for a large forest: raise it only for a server with that memory to spare.'),
    ('max_pmml_depth', '200', 'Deepest element nesting churn.register_model accepts in a PMML document.'),
    ('max_unseen_category_share', '0.1', 'churn.activate_model refuses a model when, for one of its categorical inputs, more than this share of the current customers hold a value the model has never seen (default 0.1: a misspelt vocabulary affects nearly everyone, a new product a few percent). Override one activation with allow_unseen_categories => true.'),
    ('model_change_grace', '1 hour', 'How long after a model change (its activate, rollback or promote in churn.model_audit) current customers may still hold another model''s score before churn.scoring_health marks it overdue and pgchurn monitor reports a breach; an interval. Rescoring 1M customers takes minutes (docs/monitoring.md).'),
    ('notify_delta', '0.1', 'pg_notify(''churn_score'', ...) also fires when a score moves by at least this much.'),
    ('notify_mode', 'commit', 'commit: the scoring transaction calls pg_notify(''churn_score'', ...) itself, delivered at its commit. outbox: it queues the notification in churn.notification_outbox, and churn.relay_notifications() (pg_cron or pgchurn relay) sends it; notifying transactions then no longer commit one at a time.'),
    ('notify_threshold', 'auto', 'auto: the active model''s holdout threshold (metrics->>''notify_threshold'', chosen by pgchurn train, docs/training.md), or 0.5 when it has none; or a probability. pg_notify(''churn_score'', ...) fires when a score crosses it.'),
    ('on_score_error', 'record', 'record: keep the complaint, log the failure in churn.scoring_error and mark the score stale; raise: fail the statement. The GUC pgchurn.on_score_error overrides it.'),
    ('score_log_retention_days', '365', 'churn.purge_score_log() deletes score_log rows older than this many days.');

COMMENT ON TABLE churn.setting IS 'Settings of pgchurn, one row each; change them with UPDATE as the owner.';
COMMENT ON COLUMN churn.setting.name IS 'Name of the setting.';
COMMENT ON COLUMN churn.setting.value IS 'Its value, as text.';
COMMENT ON COLUMN churn.setting.description IS 'What it controls.';
