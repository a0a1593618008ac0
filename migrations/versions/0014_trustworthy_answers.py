"""Answers an analyst can trust: right reasons, models that behave, scores that stay current.

(Being written for issue 17; each part below says what it changes.)

- Reasons: ...
- Features: ...
- Currency: scores stay current. A new current profile is scored when its transaction commits
  (churn.on_profile_insert files a rescore request, triggered_by = profile_insert, while a model
  is active); batch rescoring skips churned customers, and starts a new run when the active
  model changed since the open one's last batch; churn.score_log gains previous_model_id (the
  model of the score before, backfilled from the log), read by the new analyst view
  churn.score_change; churn.scoring_health appends other_model_profiles, model_changed_at,
  model_change_grace (a new setting, 1 hour) and other_model_overdue; the drift views leave
  out scores logged at or after the customer's churned_at. Activation stays one row's UPDATE:
  the CLI rescores after it.

Downgrade restores revision 0013.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import roles
from alembic import op
from snapshot_ops import Snapshot, execute_sql

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
    op.execute("SELECT churn.purge_compiled_code()")  # code compiled by 0013's runtime


def downgrade() -> None:
    """Restore revision 0013: each part undoes its own schema changes around 0013's code."""
    _reasons_before_downgrade()
    _currency_before_downgrade()
    _features_before_downgrade()
    PREVIOUS.install_modules()
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/"))
    _reasons_after_downgrade()
    _currency_after_downgrade()
    _features_after_downgrade()
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
CURRENCY_VIEWS = ("views/scoring_health.sql", "views/feature_drift.sql", "views/score_drift.sql")
TRIGGERED_BY = ("complaint", "profile_update", "batch", "manual")
TRIGGERED_BY_COMMENT = (
    "What caused the score: complaint, profile_insert, profile_update, batch or manual."
)
GRACE = (
    "How long after a model change (its activate, rollback or promote in churn.model_audit) "
    "current customers may still hold another model's score before churn.scoring_health "
    "marks it overdue and pgchurn monitor reports a breach; an interval. Rescoring 1M "
    "customers takes minutes (docs/monitoring.md)."
)
# The model of each served score's predecessor in the log; a first score (or one whose
# predecessor was purged) keeps NULL.
BACKFILL_PREVIOUS_MODEL = """
UPDATE churn.score_log l SET previous_model_id = x.previous_model_id
  FROM (SELECT score_log_id, previous_score,
               lag(model_id) OVER (PARTITION BY customer_id ORDER BY score_log_id)
                   AS previous_model_id
          FROM churn.score_log WHERE served) x
 WHERE x.score_log_id = l.score_log_id AND x.previous_score IS NOT NULL
   AND x.previous_model_id IS NOT NULL
"""


def _triggered_by_check(values: Sequence[str]) -> None:
    listed = ", ".join(roles.literal(v) for v in values)
    op.execute(
        "ALTER TABLE churn.score_log DROP CONSTRAINT score_log_triggered_by_is_known, "
        "ADD CONSTRAINT score_log_triggered_by_is_known "
        f"CHECK (triggered_by IN ({listed}))"
    )


def _currency_before_code() -> None:
    op.execute("ALTER TABLE churn.score_log ADD COLUMN previous_model_id bigint")
    op.execute(
        "COMMENT ON COLUMN churn.score_log.previous_model_id IS 'The model of the profile''s "
        "score before this one (with previous_score); NULL for a first score. A score whose "
        "model differs from it is a model change, not a change of the customer.'"
    )
    op.execute(BACKFILL_PREVIOUS_MODEL)
    _triggered_by_check(("complaint", "profile_insert", "profile_update", "batch", "manual"))
    for table in ("score_log", "scoring_error", "rescore_request"):
        op.execute(
            f"COMMENT ON COLUMN churn.{table}.triggered_by IS {roles.literal(TRIGGERED_BY_COMMENT)}"
        )
    op.execute(
        "INSERT INTO churn.setting (name, value, description) "
        f"VALUES ('model_change_grace', '1 hour', {roles.literal(GRACE)})"
    )


def _currency_after_code() -> None:
    SNAPSHOT.run_sql(*CURRENCY_VIEWS, "views/score_change.sql")
    analyst = roles.ident(roles.names()["analyst"])
    op.execute(f"GRANT SELECT ON churn.score_change TO {analyst}")
    op.execute(
        "COMMENT ON TRIGGER profile_after_insert ON churn.customer_profile IS 'Creates the "
        "churn.customer_score row of each new profile and, when a model is active, asks for the "
        "current ones to be scored when the transaction commits.'"
    )


def _currency_before_downgrade() -> None:
    op.execute("DROP VIEW churn.score_change")
    op.execute("DROP VIEW churn.scoring_health")  # 0013's has fewer columns
    PREVIOUS.run_sql("views/scoring_health.sql", "views/feature_drift.sql")
    execute_sql(_previous_score_drift())
    analyst = roles.ident(roles.names()["analyst"])
    op.execute(f"GRANT SELECT ON churn.scoring_health TO {analyst}")
    op.execute("ALTER TABLE churn.score_log DROP COLUMN previous_model_id")
    # 0013 knows no profile_insert: such scores were profile changes to it.
    op.execute(
        "UPDATE churn.score_log SET triggered_by = 'profile_update' "
        "WHERE triggered_by = 'profile_insert'"
    )
    _triggered_by_check(TRIGGERED_BY)
    op.execute(
        "COMMENT ON COLUMN churn.score_log.triggered_by IS "
        "'What caused the score: complaint, profile_update, batch or manual.'"
    )
    op.execute(
        "COMMENT ON COLUMN churn.scoring_error.triggered_by IS "
        "'complaint, profile_update or batch.'"
    )
    op.execute(
        "COMMENT ON COLUMN churn.rescore_request.triggered_by IS "
        "'complaint or profile_update: what the score log records as the cause.'"
    )
    op.execute("DELETE FROM churn.setting WHERE name = 'model_change_grace'")


def _currency_after_downgrade() -> None:
    op.execute(
        "COMMENT ON TRIGGER profile_after_insert ON churn.customer_profile IS "
        "'Creates the churn.customer_score row of each new profile.'"
    )


def _previous_score_drift() -> str:
    """churn.score_drift as revision 0004 created it (0013's monitoring.sql), with its comments."""
    text = PREVIOUS.sql("views/monitoring.sql")
    start = text.index("CREATE VIEW churn.score_drift AS")
    end = text.index("CREATE VIEW churn.feature_drift AS", start)
    return text[start:end].replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)


# ------------------------------------------------------------------ reasons (churn.explain, ...)
def _reasons_before_code() -> None:
    pass


def _reasons_after_code() -> None:
    pass


def _reasons_before_downgrade() -> None:
    pass


def _reasons_after_downgrade() -> None:
    pass
