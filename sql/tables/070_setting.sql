-- Settings a DBA controls. Read by the PL/Python code; written only by the migration owner.
CREATE TABLE churn.setting (
    name         text PRIMARY KEY CONSTRAINT setting_name_is_identifier CHECK (name ~ '^[a-z_]+$'),
    value        text NOT NULL,
    description  text NOT NULL
);

INSERT INTO churn.setting (name, value, description) VALUES
    ('max_pmml_bytes', '20000000', 'Largest PMML document churn.register_model accepts, in bytes (default 20 MB). Registering a document needs up to about 10 times its size in server memory (measured 6-8x for 20-70 MB forests), and every connection that scores with an active model holds its compiled code, about 1.5 times the document for a large forest: raise it only for a server with that memory to spare.'),
    ('max_pmml_depth', '200', 'Deepest element nesting churn.register_model accepts in a PMML document.'),
    ('notify_threshold', '0.5', 'pg_notify(''churn_score'', ...) fires when a score crosses this probability.'),
    ('notify_delta', '0.1', 'pg_notify(''churn_score'', ...) also fires when a score moves by at least this much.'),
    ('on_score_error', 'record', 'record: keep the complaint, log the failure in churn.scoring_error and mark the score stale; raise: fail the statement. The GUC pgchurn.on_score_error overrides it.');

COMMENT ON TABLE churn.setting IS 'Settings of pgchurn, one row each; change them with UPDATE as the owner.';
COMMENT ON COLUMN churn.setting.name IS 'Name of the setting.';
COMMENT ON COLUMN churn.setting.value IS 'Its value, as text.';
COMMENT ON COLUMN churn.setting.description IS 'What it controls.';
