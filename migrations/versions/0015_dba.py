"""The DBA's pgchurn (issue 18): scripts that apply, least privilege, restores, safe downgrades.

(Being written for issue 18; each part below says what it changes.)

- Scripts: pgchurn's Alembic version table moves from `public` into `churn` (downgrade moves it
  back, with its grants), so that a host application's autogenerate never sees it.
- Privilege: ...
- Operations: ...
- House: ...

Downgrade restores revision 0014.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op
from snapshot_ops import Snapshot

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "ff3ec7dd0615d2bc7741423ce7fb3fdda41e46908a4215a1a33b94a386b57b5a"
SNAPSHOT = Snapshot("0015", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0014", "ff3ec7dd0615d2bc7741423ce7fb3fdda41e46908a4215a1a33b94a386b57b5a")


def upgrade() -> None:
    """Schema changes first (each part's own), then the code, then what reads the code."""
    _scripts_before_code()
    _privilege_before_code()
    _operations_before_code()
    _house_before_code()
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    _scripts_after_code()
    _privilege_after_code()
    _operations_after_code()
    _house_after_code()
    op.execute("SELECT churn.purge_compiled_code()")  # code compiled by 0014's runtime


def downgrade() -> None:
    """Restore revision 0014: each part undoes its own changes around 0014's code."""
    _house_before_downgrade()
    _operations_before_downgrade()
    _privilege_before_downgrade()
    _scripts_before_downgrade()
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    _house_after_downgrade()
    _operations_after_downgrade()
    _privilege_after_downgrade()
    _scripts_after_downgrade()
    op.execute("SELECT churn.purge_compiled_code()")


# ------------------------------------------------------------------ scripts (items 1, 2, 5)
def _scripts_before_code() -> None:
    _move_version_table("public", "churn")
    op.execute(
        "COMMENT ON TABLE churn.pgchurn_alembic_version IS 'The Alembic revision pgchurn''s"
        " schema is at (pgchurn migrate, alembic upgrade); written by the migrations only.'"
    )
    op.execute(
        "COMMENT ON COLUMN churn.pgchurn_alembic_version.version_num"
        " IS 'Revision ID, as in migrations/versions/NNNN_*.py.'"
    )


def _scripts_after_code() -> None:
    pass


def _scripts_before_downgrade() -> None:
    pass


def _scripts_after_downgrade() -> None:
    op.execute("COMMENT ON COLUMN churn.pgchurn_alembic_version.version_num IS NULL")
    op.execute("COMMENT ON TABLE churn.pgchurn_alembic_version IS NULL")
    _move_version_table("churn", "public")


def _move_version_table(source: str, target: str) -> None:
    """Move pgchurn's version table (its grants go with it), and stamp this run where it is now.

    Alembic writes the revision after each revision's upgrade or downgrade, into the table it
    was configured with at the start of the run; point it at the moved table, online and
    offline alike (alembic is pinned: pyproject.toml).
    """
    # IF EXISTS: a database stamped at a revision (not migrated to it) may have it there already
    op.execute(f"ALTER TABLE IF EXISTS {source}.pgchurn_alembic_version SET SCHEMA {target}")
    context = op.get_context()
    context._version = context.impl.version_table_impl(
        version_table="pgchurn_alembic_version",
        version_table_schema=target,
        version_table_pk=True,
    )


# ------------------------------------------------------------------ privilege (item 4)
def _privilege_before_code() -> None:
    pass


def _privilege_after_code() -> None:
    pass


def _privilege_before_downgrade() -> None:
    pass


def _privilege_after_downgrade() -> None:
    pass


# ------------------------------------------------------------------ operations (items 6, 7, 8)
def _operations_before_code() -> None:
    pass


def _operations_after_code() -> None:
    pass


def _operations_before_downgrade() -> None:
    pass


def _operations_after_downgrade() -> None:
    pass


# ------------------------------------------------------------------ house (items 3, 9)
def _house_before_code() -> None:
    pass


def _house_after_code() -> None:
    pass


def _house_before_downgrade() -> None:
    pass


def _house_after_downgrade() -> None:
    pass
