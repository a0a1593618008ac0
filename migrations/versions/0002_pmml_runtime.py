"""Model registry and PMML runtime: register with a verification gate, lifecycle, predict, features.

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

SNAPSHOT_SHA256 = "92b5ab31b7e59725629fb2b697e139b31e0542ab9619faf97975ace5cba9a4c6"
SNAPSHOT = Snapshot("0002", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0001", "d4ad41565018da26e3031bf7c3dd27f57ee8ea0840ad66b5d822a1cd69c40281")

NEW_TABLES = (
    "tables/060_model_compiled.sql",
    "tables/070_setting.sql",
    "tables/080_model_audit.sql",
)
NEW_FUNCTIONS = (
    "functions/feature_frame.sql",
    "functions/register_model.sql",
    "functions/predict.sql",
    "functions/score_customer.sql",
    "functions/model_lifecycle.sql",
)
CHANGED_FUNCTIONS = ("functions/_load_code.sql", "functions/on_complaint_insert.sql")


def upgrade() -> None:
    """Add the compiled-model cache, settings and audit tables, the registry and scoring functions."""
    execute_sql(
        """
        ALTER TABLE churn.model
            ADD CONSTRAINT model_pmml_sha256_unique UNIQUE (pmml_sha256),
            ADD COLUMN verification_rows integer NOT NULL DEFAULT 0;
        COMMENT ON COLUMN churn.model.verification_rows IS
            'ModelVerification rows of the document that matched inside PostgreSQL at registration.';
        """
    )
    SNAPSHOT.run_sql(*NEW_TABLES)
    SNAPSHOT.install_modules()
    SNAPSHOT.run_sql(*CHANGED_FUNCTIONS, *NEW_FUNCTIONS)


def downgrade() -> None:
    """Drop what upgrade added and restore revision 0001's code."""
    for signature in (
        "churn.retire_model(bigint)",
        "churn.rollback_model()",
        "churn.activate_model(bigint)",
        "churn.unbindable_fields(bigint)",
        "churn.score_customer(bigint)",
        "churn.predict(jsonb, bigint)",
        "churn.register_model(text, text, jsonb, jsonb, jsonb, jsonb, text)",
        "churn.customer_features(bigint, timestamptz)",
        "churn.feature_frame(timestamptz)",
    ):
        op.execute(f"DROP FUNCTION {signature}")
    op.execute("DROP TABLE churn.model_audit")
    op.execute("DROP TABLE churn.setting")
    op.execute("DROP TABLE churn.model_compiled")
    execute_sql(
        """
        ALTER TABLE churn.model
            DROP CONSTRAINT model_pmml_sha256_unique,
            DROP COLUMN verification_rows;
        """
    )
    PREVIOUS.install_modules()
    PREVIOUS.run_sql(*CHANGED_FUNCTIONS)
