"""Batch rescoring reads each chunk by key, not whole tables (issue 19).

At a million customers, every chunk of churn.rescore_batch read the whole of two tables:

- its lock query joined churn.customer_profile to the chunk's range of churn.customer_score
  without the range on the profiles, so the planner read every profile (0.13 s a chunk of
  10,000); the range is now spelled out for both tables;
- churn._rescore joined churn.customer_score plainly, which the planner made a hash join over
  the whole table for a large array (0.2 s a chunk), and its UPDATE joined the feature rows
  to the scores again through two sorts that spilled to disk. The score row is now read by
  its key (a LATERAL subquery), and the UPDATE reads each customer's one served score row,
  which carries the features.

The write path runs the same statement; nothing else changes, and no data is touched.
Downgrade restores revision 0016's two functions.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import schema_mark
from snapshot_ops import Snapshot

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "e70463400199582227f5ed914ffda5d5349e2898edd405ae9bf9cc0da3f26059"
SNAPSHOT = Snapshot("0017", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0016", "85cd62d8d9b672c7e86ef9e927443bf9a32446fc4ab37f7cd621e998eb4f60ed")


def upgrade() -> None:
    """Replace the functions that changed since 0016 (CREATE OR REPLACE keeps owner and grants)."""
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    schema_mark.mark(revision)


def downgrade() -> None:
    """Restore revision 0016's functions."""
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    schema_mark.mark(down_revision)  # type: ignore[arg-type]
