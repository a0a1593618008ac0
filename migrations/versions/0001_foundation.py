"""Foundation: schema churn, its tables, the PL/Python loader and the complaint counter trigger.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import downgrade_guard
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "d4ad41565018da26e3031bf7c3dd27f57ee8ea0840ad66b5d822a1cd69c40281"
SNAPSHOT = Snapshot("0001", SNAPSHOT_SHA256)

TABLES = (
    "tables/010_model.sql",
    "tables/020_customer_profile.sql",
    "tables/030_complaint.sql",
    "tables/040_score_log.sql",
    "tables/050_plpython_module.sql",
)
FUNCTIONS = ("functions/_load_code.sql", "functions/on_complaint_insert.sql")
TRIGGERS = ("triggers/complaint_after_insert.sql",)


def upgrade() -> None:
    """Create schema churn with its tables, install the PL/Python package, add the trigger."""
    op.execute("CREATE SCHEMA churn")
    op.execute("COMMENT ON SCHEMA churn IS 'pgchurn: churn scoring inside PostgreSQL.'")
    execute_sql(
        """
        CREATE TABLE churn.installed_object (
            object_kind text NOT NULL,
            object_name text NOT NULL,
            installed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (object_kind, object_name)
        );
        COMMENT ON TABLE churn.installed_object IS
            'Objects outside schema churn that pgchurn''s migrations created, '
            'so that downgrade removes them and nothing else.';
        COMMENT ON COLUMN churn.installed_object.object_kind IS 'extension or role.';
        COMMENT ON COLUMN churn.installed_object.object_name IS 'Name of the extension or role.';
        COMMENT ON COLUMN churn.installed_object.installed_at IS 'When the migration created it.';
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'plpython3u') THEN
                CREATE EXTENSION plpython3u;
                INSERT INTO churn.installed_object (object_kind, object_name)
                VALUES ('extension', 'plpython3u');
            END IF;
        END
        $$;
        """
    )
    SNAPSHOT.run_sql(*TABLES)
    SNAPSHOT.install_modules()
    SNAPSHOT.run_sql(*FUNCTIONS, *TRIGGERS)


def downgrade() -> None:
    """Drop what upgrade created, and plpython3u only if this revision created it.

    Refused while customers or complaints hold rows, unless drop_data=yes (--drop-data) is given.
    """
    execute_sql(downgrade_guard.refuse_data_loss())
    op.execute("DROP TRIGGER complaint_after_insert ON churn.complaint")
    op.execute("DROP FUNCTION churn.on_complaint_insert()")
    op.execute("DROP FUNCTION churn._load_code()")
    for table in ("score_log", "complaint", "customer_profile", "model", "plpython_module"):
        op.execute(f"DROP TABLE churn.{table}")
    execute_sql(
        """
        DO $$
        DECLARE
            created_plpython boolean;
        BEGIN
            SELECT EXISTS (
                SELECT 1 FROM churn.installed_object
                 WHERE object_kind = 'extension' AND object_name = 'plpython3u'
            ) INTO created_plpython;
            DROP TABLE churn.installed_object;
            DROP SCHEMA churn;
            IF created_plpython THEN
                DROP EXTENSION plpython3u;
            END IF;
        END
        $$;
        """
    )
