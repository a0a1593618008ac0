"""Scoring: model registry with a verification gate, PMML runtime, real-time and batch rescoring.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "d997ebd810989aba7972e4f1b2a0a1894dd62b16fad10a39b427dc4c4df65895"
SNAPSHOT = Snapshot("0002", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0001", "d4ad41565018da26e3031bf7c3dd27f57ee8ea0840ad66b5d822a1cd69c40281")

NEW_TABLES = (
    "tables/060_model_compiled.sql",
    "tables/070_setting.sql",
    "tables/080_model_audit.sql",
    "tables/090_scoring_error.sql",
    "tables/100_rescore_run.sql",
)
NEW_FUNCTIONS = (
    "churn.rescore_batch(integer)",
    "churn.explain(bigint)",
    "churn.on_profile_update()",
    "churn.retire_model(bigint)",
    "churn.rollback_model()",
    "churn.activate_model(bigint)",
    "churn.unbindable_fields(bigint)",
    "churn.score_customer(bigint)",
    "churn.predict(jsonb, bigint)",
    "churn.register_model(text, text, jsonb, jsonb, jsonb, jsonb, text)",
    "churn.customer_features(bigint, timestamptz)",
    "churn.feature_frame(timestamptz)",
)


def upgrade() -> None:
    """Add the registry, runtime and rescoring tables, columns, code, functions and triggers."""
    execute_sql(
        """
        ALTER TABLE churn.model
            ADD CONSTRAINT model_pmml_sha256_unique UNIQUE (pmml_sha256),
            ADD COLUMN verification_rows integer NOT NULL DEFAULT 0;
        COMMENT ON COLUMN churn.model.verification_rows IS
            'ModelVerification rows of the document that matched inside PostgreSQL at registration.';
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
        """
    )
    SNAPSHOT.run_sql(*NEW_TABLES)
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    op.execute("DROP TRIGGER complaint_after_insert ON churn.complaint")
    SNAPSHOT.run_sql("triggers/complaint_after_insert.sql", "triggers/profile_after_update.sql")


def downgrade() -> None:
    """Drop what upgrade added and restore revision 0001's code and row trigger."""
    op.execute("DROP TRIGGER profile_after_update ON churn.customer_profile")
    op.execute("DROP TRIGGER complaint_after_insert ON churn.complaint")
    op.execute("DROP PROCEDURE churn.rescore_all(integer)")
    for signature in NEW_FUNCTIONS:
        op.execute(f"DROP FUNCTION {signature}")
    for table in ("rescore_run", "scoring_error", "model_audit", "setting", "model_compiled"):
        op.execute(f"DROP TABLE churn.{table}")
    execute_sql(
        """
        ALTER TABLE churn.customer_profile
            DROP COLUMN complaints_30d,
            DROP COLUMN complaints_90d,
            DROP COLUMN severe_complaints_90d;
        ALTER TABLE churn.model
            DROP CONSTRAINT model_pmml_sha256_unique,
            DROP COLUMN verification_rows;
        """
    )
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql("functions/_load_code.sql", "functions/on_complaint_insert.sql")
    PREVIOUS.run_sql("triggers/complaint_after_insert.sql")
