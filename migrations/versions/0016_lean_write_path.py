"""A lean write path and a score log that scales (issue 19).

(Being written for issue 19; each part below says what it changes.)

- Write path: (being written).
- Score log: (being written).
- Cold start: (being written).
- Batch and predict_many: (being written).

Downgrade restores revision 0015.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import roles
import schema_mark
from alembic import op
from snapshot_ops import Snapshot

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "4cde7f48e10dc874614f6d4e3686fa8133b76702f67a882bcf0d6447d13dafd6"
SNAPSHOT = Snapshot("0016", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0015", "c441c91e0777c7bf8acc0d460582b42bf613b0a05bf1d8d3628f732acc3047de")


def upgrade() -> None:
    """Schema changes first (each part's own), then the code, then what reads the code."""
    _log_before_code()
    _write_before_code()
    _cold_before_code()
    _batch_before_code()
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    _log_after_code()
    _write_after_code()
    _cold_after_code()
    _batch_after_code()
    roles.hand_over(roles.owner_name())  # what this revision created, to the owner role
    schema_mark.mark(revision)
    op.execute("SELECT churn.purge_compiled_code()")  # code compiled by 0015's runtime


def downgrade() -> None:
    """Restore revision 0015: each part undoes its own changes around 0015's code."""
    _batch_before_downgrade()
    _cold_before_downgrade()
    _write_before_downgrade()
    _log_before_downgrade()
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    _batch_after_downgrade()
    _cold_after_downgrade()
    _write_after_downgrade()
    _log_after_downgrade()
    roles.hand_over(roles.owner_name())  # what the downgrade re-created, to the owner role
    schema_mark.mark(down_revision)  # type: ignore[arg-type]
    op.execute("SELECT churn.purge_compiled_code()")


# ------------------------------------------------------------------ the score log
def _log_before_code() -> None:
    pass


def _log_after_code() -> None:
    pass


def _log_before_downgrade() -> None:
    pass


def _log_after_downgrade() -> None:
    pass


# ------------------------------------------------------------------ the write path
def _write_before_code() -> None:
    """churn._score returns the packed inputs; one rescore request row per transaction."""
    op.execute("DROP FUNCTION churn._score(text, churn.features)")
    op.execute("DROP TYPE churn.scored")
    SNAPSHOT.run_sql("types/020_scored.sql")
    # Empty outside a transaction: dropped and created again, with its constraint trigger.
    op.execute("DROP TABLE churn.rescore_request")
    SNAPSHOT.run_sql("tables/160_rescore_request.sql")
    # Room on every page for the new version of a row: the score update stays HOT (no index
    # entry). Pages filled before keep no room until their rows move once.
    op.execute("ALTER TABLE churn.customer_score SET (fillfactor = 90)")


def _write_after_code() -> None:
    pass


def _write_before_downgrade() -> None:
    """0015's churn.scored and rescore requests, for 0015's code (installed by the skeleton)."""
    op.execute("DROP FUNCTION churn._score(text, churn.features)")
    op.execute("DROP TYPE churn.scored")
    op.execute(SCORED_0015)
    op.execute("DROP TABLE churn.rescore_request")
    PREVIOUS.run_sql("tables/160_rescore_request.sql")
    op.execute("ALTER TABLE churn.customer_score RESET (fillfactor)")


def _write_after_downgrade() -> None:
    pass


# Revision 0007's churn.scored, as 0015 left it (0015's types/010_scoring.sql).
SCORED_0015 = """
CREATE TYPE churn.scored AS (
    score    double precision,
    reasons  jsonb,
    error    text,
    sqlstate text,
    features jsonb
);
COMMENT ON TYPE churn.scored IS 'Result of churn._score: the score, its top reasons and the model''s input features as logged, or, with a NULL score, the error and its SQLSTATE.';
"""


# ------------------------------------------------------------------ cold start
def _cold_before_code() -> None:
    pass


def _cold_after_code() -> None:
    pass


def _cold_before_downgrade() -> None:
    pass


def _cold_after_downgrade() -> None:
    pass


# ------------------------------------------------------------------ batch and predict_many
def _batch_before_code() -> None:
    pass


def _batch_after_code() -> None:
    pass


def _batch_before_downgrade() -> None:
    pass


def _batch_after_downgrade() -> None:
    pass
