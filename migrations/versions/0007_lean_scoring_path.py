"""A lean scoring path: single-customer rescoring, cheaper calls, a batch predict, fast start.

An application's single-row INSERT (and a profile change) is rescored by churn._rescore_one,
a few small statements, instead of the set-based churn._rescore statement, whose planning and
start-up cost more than the whole work for one row. The internal functions that only the
owner's SECURITY DEFINER functions call (_score, _rescore, _rescore_one) are no longer
definers themselves, which saves setting and restoring the search path on every call.
churn._score returns the logged features too, so the score log no longer filters them in SQL.
churn.predict_many scores an array of feature rows in one call. The PL/Python package no
longer imports typing, json, re, decimal, hashlib or importlib.util when it starts, and the
generated scoring code converts integer inputs without a function call.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import roles
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "e06ebb1b468595b68f7d525eafbeae6c3726d34303f36b9b8009c6de5cbb4bd6"
SNAPSHOT = Snapshot("0007", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0006", "69029595470c0bfcfa5d5c32944f930b2bda2ca551732c87e3e0d9cdadd43eee")

NEW_FUNCTIONS = (
    "churn._rescore_one(bigint, bigint, integer, timestamptz, text)",
    "churn._notify_wanted(double precision, double precision, double precision, double precision)",
    "churn._notify_message(bigint, bigint, text, double precision, double precision,"
    " double precision, text, bigint)",
    "churn.predict_many(churn.features[], bigint)",
)


def upgrade() -> None:
    """Add the features attribute to churn.scored; install the lean code."""
    SNAPSHOT.run_sql("types/020_scored_features.sql")
    SNAPSHOT.install_modules()
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/"))
    analyst = roles.ident(roles.names()["analyst"])
    op.execute(
        f"GRANT EXECUTE ON FUNCTION churn.predict_many(churn.features[], bigint) TO {analyst}"
    )


def downgrade() -> None:
    """Restore revision 0006's code and churn.scored."""
    PREVIOUS.install_modules()
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/"))
    for function in NEW_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    execute_sql(
        """
        ALTER TYPE churn.scored DROP ATTRIBUTE features;
        COMMENT ON TYPE churn.scored IS 'Result of churn._score: the score and its top reasons, or, with a NULL score, the error and its SQLSTATE.';
        """
    )
