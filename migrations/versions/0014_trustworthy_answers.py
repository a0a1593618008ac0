"""Answers an analyst can trust: right reasons, models that behave, scores that stay current.

(Being written for issue 17; each part below says what it changes.)

- Reasons: ...
- Features: ...
- Currency: ...
- Threshold: churn.notify_threshold() gives the notification threshold in force; the setting
  notify_threshold becomes 'auto' (the active model's holdout threshold from `pgchurn train`,
  or 0.5 when it has none) where it held the old default 0.5; any other number stays as set.
  Downgrade writes back the number 'auto' stood for at that moment.

Downgrade restores revision 0013.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op
from snapshot_ops import Snapshot

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "f8a88e9b3e1ac50d797eba961c816dd4a1441b76708c66ef2656fe0b121fe8ae"
SNAPSHOT = Snapshot("0014", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0013", "f8a88e9b3e1ac50d797eba961c816dd4a1441b76708c66ef2656fe0b121fe8ae")


def upgrade() -> None:
    """Schema changes first (each part's own), then the code, then what reads the code."""
    _features_before_code()
    _currency_before_code()
    _reasons_before_code()
    SNAPSHOT.install_modules()
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/"))
    _features_after_code()
    _currency_after_code()
    _reasons_after_code()
    _threshold_after_code()
    op.execute("SELECT churn.purge_compiled_code()")  # code compiled by 0013's runtime


def downgrade() -> None:
    """Restore revision 0013: each part undoes its own schema changes around 0013's code."""
    _threshold_before_downgrade()
    _reasons_before_downgrade()
    _currency_before_downgrade()
    _features_before_downgrade()
    PREVIOUS.install_modules()
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/"))
    _reasons_after_downgrade()
    _currency_after_downgrade()
    _features_after_downgrade()
    _threshold_after_downgrade()
    op.execute("SELECT churn.purge_compiled_code()")


# ------------------------------------------------------------------ features (severity, ...)
def _features_before_code() -> None:
    pass


def _features_after_code() -> None:
    pass


def _features_before_downgrade() -> None:
    pass


def _features_after_downgrade() -> None:
    pass


# ------------------------------------------------------------------ currency (scores stay current)
def _currency_before_code() -> None:
    pass


def _currency_after_code() -> None:
    pass


def _currency_before_downgrade() -> None:
    pass


def _currency_after_downgrade() -> None:
    pass


# ------------------------------------------------------------------ reasons (churn.explain, ...)
def _reasons_before_code() -> None:
    pass


def _reasons_after_code() -> None:
    pass


def _reasons_before_downgrade() -> None:
    pass


def _reasons_after_downgrade() -> None:
    pass


# ------------------------------------------------------------------ threshold (notify_threshold)
THRESHOLD_AUTO = (
    "auto: the active model's holdout threshold (metrics->>'notify_threshold', chosen by"
    " pgchurn train, docs/training.md), or 0.5 when it has none; or a probability."
    " pg_notify('churn_score', ...) fires when a score crosses it."
)
THRESHOLD_0013 = "pg_notify('churn_score', ...) fires when a score crosses this probability."


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _threshold_after_code() -> None:
    op.execute(
        "UPDATE churn.setting SET value = CASE value WHEN '0.5' THEN 'auto' ELSE value END,"
        f" description = {_literal(THRESHOLD_AUTO)} WHERE name = 'notify_threshold'"
    )


def _threshold_before_downgrade() -> None:
    op.execute(
        "UPDATE churn.setting"
        "   SET value = CASE value WHEN 'auto' THEN churn.notify_threshold()::text ELSE value END,"
        f"      description = {_literal(THRESHOLD_0013)} WHERE name = 'notify_threshold'"
    )


def _threshold_after_downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS churn.notify_threshold()")
