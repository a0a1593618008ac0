"""The revision schema churn is at, written where a schema-only dump keeps it: its comment.

A schema-only dump (the usual staging clone) restores the version table empty, so Alembic sees
base; `pgchurn migrate` then reads the revision here and repairs the copy (pgchurn/clone.py).
Every revision from 0015 on calls mark(revision) in upgrade() and mark(down_revision) in
downgrade(); tests/db/test_operations.py checks that head is marked.
"""

from __future__ import annotations

from alembic import op

UNMARKED = "pgchurn: churn scoring inside PostgreSQL."
MARKED = (
    "pgchurn: churn scoring inside PostgreSQL. Schema revision {revision} (pgchurn migrate reads"
    " it on a schema-only copy, which holds no version row)."
)


def mark(revision: str | None) -> None:
    """Name `revision` in the comment of schema churn; None (before 0015) leaves it unmarked."""
    text = UNMARKED if revision is None else MARKED.format(revision=revision)
    op.execute("COMMENT ON SCHEMA churn IS '" + text.replace("'", "''") + "'")
