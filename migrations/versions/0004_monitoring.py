"""Monitoring: score and feature drift, live performance, scoring health.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import roles
from alembic import op
from snapshot_ops import Snapshot

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "63b6b2db304620c01ee37b8adfe22538d67f662210c51fa24e8a6e04691213ec"
SNAPSHOT = Snapshot("0004", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0003", "e920dd72eba2a5ae9ba0344a2bfffe35c53fbfc6dabde3ad669ac62c8e3103c6")

VIEWS = ("scoring_health", "model_performance", "performance_rows", "feature_drift", "score_drift")
FUNCTIONS = (
    "churn.jsonb_floats(jsonb)",
    "churn.psi_band(double precision)",
    "churn.psi_term(double precision, double precision)",
    "churn.bin_of(double precision, double precision[])",
    "churn.precision_at(double precision[], integer[], double precision)",
    "churn.roc_auc(double precision[], integer[])",
)


def upgrade() -> None:
    """Add the metric functions and monitoring views; let analysts read them."""
    op.execute("CREATE INDEX score_log_scored_at ON churn.score_log (scored_at)")
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    SNAPSHOT.run_sql("views/monitoring.sql")
    analyst = roles.ident(roles.names()["analyst"])
    for view in VIEWS:
        op.execute(f"GRANT SELECT ON churn.{view} TO {analyst}")
    for function in FUNCTIONS:
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {analyst}")


def downgrade() -> None:
    """Drop the views, functions and index; restore revision 0003's code."""
    for view in VIEWS:
        op.execute(f"DROP VIEW churn.{view}")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    op.execute("DROP INDEX churn.score_log_scored_at")
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
