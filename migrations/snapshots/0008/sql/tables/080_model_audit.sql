-- Who did what to which model, and when. Written only by the lifecycle functions.
CREATE TABLE churn.model_audit (
    audit_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action             text        NOT NULL
                       CONSTRAINT model_audit_action_is_known
                       CHECK (action IN ('register', 'activate', 'rollback', 'retire',
                                         'challenger', 'promote', 'decline')),
    model_id           bigint      NOT NULL REFERENCES churn.model (model_id),
    previous_model_id  bigint      REFERENCES churn.model (model_id),
    performed_by       text        NOT NULL DEFAULT session_user,
    performed_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    reason             text
);

CREATE INDEX model_audit_performed_at ON churn.model_audit (performed_at);

COMMENT ON TABLE churn.model_audit IS 'Audit trail of the model registry: every registration, activation, rollback and retirement, with the session_user that did it.';
COMMENT ON COLUMN churn.model_audit.audit_id IS 'Identifier of the audit row, in order of the actions.';
COMMENT ON COLUMN churn.model_audit.action IS 'register, activate, rollback, retire, challenger, promote or decline.';
COMMENT ON COLUMN churn.model_audit.model_id IS 'The model acted on.';
COMMENT ON COLUMN churn.model_audit.previous_model_id IS 'For activate and rollback: the model that was active before.';
COMMENT ON COLUMN churn.model_audit.performed_by IS 'session_user who performed the action (not the SECURITY DEFINER owner).';
COMMENT ON COLUMN churn.model_audit.performed_at IS 'When the action happened.';
COMMENT ON COLUMN churn.model_audit.reason IS 'Why, when the caller said so (for example a retraining decision).';
