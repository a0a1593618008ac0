"""Real-time rescoring: statement-level complaint trigger, profile-update trigger, score log, explain, batch rescoring.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "693c925b5b61e0404ec6daf9a19dbba050fc1d9c8d99242f065a2b39e6998fc8"
SNAPSHOT = Snapshot("0003", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0002", "92b5ab31b7e59725629fb2b697e139b31e0542ab9619faf97975ace5cba9a4c6")

NEW_TABLES = ("tables/090_scoring_error.sql", "tables/100_rescore_run.sql")
NEW_ROUTINES = (
    "churn.on_profile_update()",
    "churn.explain(bigint)",
    "churn.rescore_batch(integer)",
)
NEW_PROCEDURES = ("churn.rescore_all(integer)",)


def upgrade() -> None:
    """Add windowed counters, settings, the error and run tables, and the real-time code."""
    execute_sql(
        """
        ALTER TABLE churn.customer_profile
            ADD COLUMN complaints_30d integer NOT NULL DEFAULT 0,
            ADD COLUMN complaints_90d integer NOT NULL DEFAULT 0,
            ADD COLUMN severe_complaints_90d integer NOT NULL DEFAULT 0;
        COMMENT ON COLUMN churn.customer_profile.complaints_30d IS
            'Complaints in the 30 days before churn_scored_at, as used by that score. '
            'Live value: churn.feature_frame(now()); batch rescoring refreshes it.';
        COMMENT ON COLUMN churn.customer_profile.complaints_90d IS
            'Complaints in the 90 days before churn_scored_at, as used by that score.';
        COMMENT ON COLUMN churn.customer_profile.severe_complaints_90d IS
            'Complaints of severity 4 or 5 in the 90 days before churn_scored_at.';
        INSERT INTO churn.setting (name, value, description) VALUES
            ('notify_threshold', '0.5',
             'pg_notify(''churn_score'', ...) fires when a score crosses this probability.'),
            ('notify_delta', '0.1',
             'pg_notify(''churn_score'', ...) also fires when a score moves by at least this much.'),
            ('on_score_error', 'record',
             'record: keep the complaint, log the failure in churn.scoring_error and mark the '
             'score stale; raise: fail the statement. The GUC pgchurn.on_score_error overrides it.');
        """
    )
    SNAPSHOT.run_sql(*NEW_TABLES)
    SNAPSHOT.install_modules()
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/"))
    op.execute("DROP TRIGGER complaint_after_insert ON churn.complaint")
    SNAPSHOT.run_sql("triggers/complaint_after_insert.sql", "triggers/profile_after_update.sql")


def downgrade() -> None:
    """Restore revision 0002: its row trigger and code; drop what upgrade added."""
    op.execute("DROP TRIGGER profile_after_update ON churn.customer_profile")
    op.execute("DROP TRIGGER complaint_after_insert ON churn.complaint")
    for routine in NEW_ROUTINES:
        op.execute(f"DROP FUNCTION {routine}")
    for procedure in NEW_PROCEDURES:
        op.execute(f"DROP PROCEDURE {procedure}")
    op.execute("DROP TABLE churn.rescore_run")
    op.execute("DROP TABLE churn.scoring_error")
    execute_sql(
        """
        DELETE FROM churn.setting WHERE name IN ('notify_threshold', 'notify_delta', 'on_score_error');
        ALTER TABLE churn.customer_profile
            DROP COLUMN complaints_30d,
            DROP COLUMN complaints_90d,
            DROP COLUMN severe_complaints_90d;
        """
    )
    PREVIOUS.install_modules()
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/"))
    PREVIOUS.run_sql("triggers/complaint_after_insert.sql")
