"""A lean write path and a score log that scales (issue 19).

(Being written for issue 19; each part below says what it changes.)

- Write path: (being written).
- Score log: (being written).
- Cold start: every entry point names the code version it expects when it loads the package
  (`churn._load_code(expected)`), which then reads that version's cached bytecode alone: no
  module source, no digest. The bytecode is kept per module and unmarshalled on import, and
  stored uncompressed (`STORAGE EXTERNAL`).
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

SNAPSHOT_SHA256 = "effddf2720416ec49ef10f032c4d19b516b2c4f309b522e651898d30225eaf6d"
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
    pass


def _write_after_code() -> None:
    pass


def _write_before_downgrade() -> None:
    pass


def _write_after_downgrade() -> None:
    pass


# ------------------------------------------------------------------ cold start
COLD_BYTECODE_COMMENT = "COMMENT ON COLUMN churn.plpython_bytecode.code IS {}"


def _cold_before_code() -> None:
    op.execute("DROP FUNCTION churn._load_code()")  # now _load_code(expected text DEFAULT NULL)
    op.execute("ALTER TABLE churn.plpython_bytecode ALTER COLUMN code SET STORAGE EXTERNAL")


def _cold_after_code() -> None:
    op.execute(
        COLD_BYTECODE_COMMENT.format(
            "'marshal.dumps of (format, {module_path: marshal.dumps of its code object}):"
            " a backend unmarshals a module when it imports it.'"
        )
    )


def _cold_before_downgrade() -> None:
    op.execute("DROP FUNCTION churn._load_code(text)")  # 0015's _load_code() is re-installed
    op.execute("ALTER TABLE churn.plpython_bytecode ALTER COLUMN code SET STORAGE EXTENDED")


def _cold_after_downgrade() -> None:
    op.execute(COLD_BYTECODE_COMMENT.format("'marshal.dumps of {module_path: code object}.'"))


# ------------------------------------------------------------------ batch and predict_many
def _batch_before_code() -> None:
    pass


def _batch_after_code() -> None:
    pass


def _batch_before_downgrade() -> None:
    pass


def _batch_after_downgrade() -> None:
    pass
