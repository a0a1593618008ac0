"""Purge stale compiled code: churn.purge_compiled_code() for the caches of earlier code versions.

A new backend loads the package's bytecode from churn.plpython_bytecode and each model's
generated source from churn.model_compiled, both keyed by code version. Every revision that
changes code adds a code version, and the rows of the earlier ones stayed forever; a large
forest's compiled source alone is several MB per version. This revision adds
churn._code_version() (the digest churn._load_code() computed inline, now shared),
churn.purge_compiled_code() for the deployer, and runs it once. A downgrade drops both
functions; the backends of the older code compile and cache it again on first use.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import roles
from alembic import op
from snapshot_ops import Snapshot

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "a2001abfc5edd8a4a2de37b35ee9adb77cc6d9fe9c84b89d48b42420c399330c"
SNAPSHOT = Snapshot("0009", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0008", "ee90913ebd98de7285d997b9fbf64f0b0f6da8cbc607689f4e10f0fdb8b66a29")


def upgrade() -> None:
    """Install the two functions and the new _load_code(), then purge what is stale now."""
    SNAPSHOT.run_sql(
        "functions/_code_version.sql",
        "functions/_load_code.sql",
        "functions/purge_compiled_code.sql",
    )
    deployer = roles.ident(roles.names()["deployer"])
    op.execute(f"GRANT EXECUTE ON FUNCTION churn.purge_compiled_code() TO {deployer}")
    op.execute("SELECT churn.purge_compiled_code()")


def downgrade() -> None:
    """Restore revision 0008's _load_code(), then drop the functions this revision added."""
    PREVIOUS.run_sql("functions/_load_code.sql")
    op.execute("DROP FUNCTION churn.purge_compiled_code()")
    op.execute("DROP FUNCTION churn._code_version()")
