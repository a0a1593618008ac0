"""churn.current_scores: one row per current customer with the served score and its reasons.

Analysts no longer join the score log LATERAL to read a customer's latest reasons, nor filter
churned customers themselves. The view also says when a score is stale or comes from another
model than the active one. Readable by the analyst role.

Downgrade drops the view.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import roles
from alembic import op
from snapshot_ops import Snapshot

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "f8a88e9b3e1ac50d797eba961c816dd4a1441b76708c66ef2656fe0b121fe8ae"
SNAPSHOT = Snapshot("0013", SNAPSHOT_SHA256)


def upgrade() -> None:
    """Create churn.current_scores and let the analyst read it."""
    SNAPSHOT.run_sql("views/current_scores.sql")
    analyst = roles.ident(roles.names()["analyst"])
    op.execute(f"GRANT SELECT ON churn.current_scores TO {analyst}")


def downgrade() -> None:
    """Drop churn.current_scores."""
    op.execute("DROP VIEW churn.current_scores")
