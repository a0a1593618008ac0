"""A lean scoring path: single-customer rescoring, cheaper calls, a batch predict, fast start.

An application's single-row INSERT (and a profile change) is rescored by churn._rescore_one,
a few small statements, instead of the set-based churn._rescore statement, whose planning and
start-up cost more than the whole work for one row. The internal functions that only the
owner's SECURITY DEFINER functions call (_score, _rescore, _rescore_one) are no longer
definers themselves, which saves setting and restoring the search path on every call.
churn._score returns the logged features too, so the score log no longer filters them in SQL.
churn.predict_many scores an array of feature rows in one call. churn.feature_drift compares
only the fields a model reads. The PL/Python package no longer imports typing, json, re,
decimal, hashlib or importlib.util when it starts, and the generated scoring code converts
integer inputs without a function call.

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

SNAPSHOT_SHA256 = "9614ff68a83afe030aabdcb904a3f8829fac673766af5a1aa1aef4e4c95d7d2f"
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
    """Add the features attribute to churn.scored; install the lean code; fix feature drift."""
    SNAPSHOT.run_sql("types/020_scored_features.sql", "views/feature_drift.sql")
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    analyst = roles.ident(roles.names()["analyst"])
    op.execute(
        f"GRANT EXECUTE ON FUNCTION churn.predict_many(churn.features[], bigint) TO {analyst}"
    )


def downgrade() -> None:
    """Restore revision 0006's code, churn.scored and churn.feature_drift."""
    execute_sql(previous_feature_drift())
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    for function in NEW_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    execute_sql(
        """
        ALTER TYPE churn.scored DROP ATTRIBUTE features;
        COMMENT ON TYPE churn.scored IS 'Result of churn._score: the score and its top reasons, or, with a NULL score, the error and its SQLSTATE.';
        """
    )


def previous_feature_drift() -> str:
    """churn.feature_drift as revision 0006 had it, with its comment.

    Taken from 0006's frozen monitoring.sql, which creates it with CREATE VIEW; returned as
    CREATE OR REPLACE VIEW.
    """
    text = PREVIOUS.sql("views/monitoring.sql")
    start = text.index("CREATE VIEW churn.feature_drift AS")
    comment = text.index("COMMENT ON VIEW churn.feature_drift IS", start)
    end = text.index("\n", comment) + 1
    return text[start:end].replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)
