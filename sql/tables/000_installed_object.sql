-- Objects outside schema churn that pgchurn's migrations created (the plpython3u extension, the
-- group roles), so that a downgrade removes them and nothing else. Revision 0001 creates this
-- table in its own upgrade(), before any other.
CREATE TABLE churn.installed_object (
    object_kind text NOT NULL,
    object_name text NOT NULL,
    installed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (object_kind, object_name)
);

COMMENT ON TABLE churn.installed_object IS 'Objects outside schema churn that pgchurn''s migrations created, so that downgrade removes them and nothing else.';
COMMENT ON COLUMN churn.installed_object.object_kind IS 'extension or role.';
COMMENT ON COLUMN churn.installed_object.object_name IS 'Name of the extension or role.';
COMMENT ON COLUMN churn.installed_object.installed_at IS 'When the migration created it.';
