"""Answers an analyst can trust: right reasons, models that behave, scores that stay current.

(Being written for issue 17; each part below says what it changes.)

- Reasons: explanations start from the expected value over the training data (node weights,
  term means; a NOTICE when a document registered in SQL has none), and churn.explain takes
  (customer_id, model_id DEFAULT NULL, as_of DEFAULT now()): churn.explain(bigint) is dropped
  and restored on downgrade, with its grant to the analyst role.
- Features: severity enters the model features. churn.feature_frame, churn.features and
  churn.customer_features gain max_severity_30d (the highest severity of the last 30 days, 0
  when none) and severity_sum_90d (the sum of the last 90 days' severities), after
  attributes (ALTER TYPE ... ADD ATTRIBUTE appends); every existing feature is unchanged, so
  registered models bind as before. churn.profile_attribute names both as derived features.
- Currency: scores stay current. A new current profile is scored when its transaction commits
  (churn.on_profile_insert files a rescore request, triggered_by = profile_insert, while a model
  is active); batch rescoring skips churned customers, and starts a new run when the active
  model changed since the open one's last batch; churn.score_log gains previous_model_id (the
  model of the score before, backfilled from the log), read by the new analyst view
  churn.score_change; churn.scoring_health appends other_model_profiles, model_changed_at,
  model_change_grace (a new setting, 1 hour) and other_model_overdue; the drift views leave
  out scores logged at or after the customer's churned_at. Activation stays one row's UPDATE:
  the CLI rescores after it.
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

import roles
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "ff3ec7dd0615d2bc7741423ce7fb3fdda41e46908a4215a1a33b94a386b57b5a"
SNAPSHOT = Snapshot("0014", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0013", "f8a88e9b3e1ac50d797eba961c816dd4a1441b76708c66ef2656fe0b121fe8ae")


def upgrade() -> None:
    """Schema changes first (each part's own), then the code, then what reads the code."""
    _features_before_code()
    _currency_before_code()
    _reasons_before_code()
    _drift_before_code()
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    _features_after_code()
    _currency_after_code()
    _reasons_after_code()
    _analyst_after_code()
    _drift_after_code()
    _threshold_after_code()
    op.execute("SELECT churn.purge_compiled_code()")  # code compiled by 0013's runtime


def downgrade() -> None:
    """Restore revision 0013: each part undoes its own schema changes around 0013's code."""
    _analyst_before_downgrade()
    _drift_before_downgrade()
    _threshold_before_downgrade()
    _reasons_before_downgrade()
    _currency_before_downgrade()
    _features_before_downgrade()
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    _reasons_after_downgrade()
    _currency_after_downgrade()
    _features_after_downgrade()
    _threshold_after_downgrade()
    op.execute("SELECT churn.purge_compiled_code()")


# ------------------------------------------------------------------ features (severity, ...)
SEVERITY_FEATURES = (("max_severity_30d", "integer"), ("severity_sum_90d", "integer"))


def _features_before_code() -> None:
    # feature_frame's result type changes; the view's list of derived names gains two.
    op.execute("DROP FUNCTION churn.feature_frame(timestamptz, boolean)")
    op.execute(
        "ALTER TYPE churn.features "
        + ", ".join(f"ADD ATTRIBUTE {name} {kind}" for name, kind in SEVERITY_FEATURES)
    )
    _replace_profile_attribute(SNAPSHOT)


def _features_after_code() -> None:
    _grant_feature_frame()


def _features_before_downgrade() -> None:
    op.execute("DROP FUNCTION churn.feature_frame(timestamptz, boolean)")
    op.execute(
        "ALTER TYPE churn.features "
        + ", ".join(f"DROP ATTRIBUTE {name}" for name, _ in SEVERITY_FEATURES)
    )
    _replace_profile_attribute(PREVIOUS)


def _features_after_downgrade() -> None:
    _grant_feature_frame()


def _replace_profile_attribute(snapshot: Snapshot) -> None:
    """churn.profile_attribute and churn._non_input_columns as `snapshot` defines them."""
    execute_sql(
        """
        DROP FUNCTION churn._non_input_columns();
        DROP VIEW churn.profile_attribute;
        """
    )
    snapshot.run_sql("views/profile_attribute.sql")
    names = roles.names()
    analyst, deployer = (roles.ident(names[k]) for k in ("analyst", "deployer"))
    op.execute(f"GRANT SELECT ON churn.profile_attribute TO {analyst}, {deployer}")
    op.execute(f"GRANT EXECUTE ON FUNCTION churn._non_input_columns() TO {analyst}")


def _grant_feature_frame() -> None:
    analyst = roles.ident(roles.names()["analyst"])
    op.execute(f"GRANT EXECUTE ON FUNCTION churn.feature_frame(timestamptz, boolean) TO {analyst}")


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
    PREVIOUS.run_sql("views/scoring_health.sql")  # feature_drift: _drift_before_downgrade
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
    op.execute("DROP FUNCTION churn.explain(bigint)")  # its signature changes


def _reasons_after_code() -> None:
    _grant_explain("bigint, bigint, timestamptz")


def _reasons_before_downgrade() -> None:
    op.execute("DROP FUNCTION churn.explain(bigint, bigint, timestamptz)")


def _reasons_after_downgrade() -> None:
    _grant_explain("bigint")


def _grant_explain(signature: str) -> None:
    """The analyst may call churn.explain (revision 0003's grant)."""
    analyst = roles.ident(roles.names()["analyst"])
    op.execute(f"GRANT EXECUTE ON FUNCTION churn.explain({signature}) TO {analyst}")


# ------------------------------------------------------------------ analyst (predict_many forms)
NEW_PREDICT_MANY = ("churn.predict_many(jsonb, bigint)", "churn.predict_many(anyarray, bigint)")


def _analyst_after_code() -> None:
    analyst = roles.ident(roles.names()["analyst"])
    for function in NEW_PREDICT_MANY:
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {analyst}")


def _analyst_before_downgrade() -> None:
    for function in reversed(NEW_PREDICT_MANY):
        op.execute(f"DROP FUNCTION {function}")


# ------------------------------------------------------------------ drift (folded by the hour)
DRIFT_GRACE = (
    "drift_fold_grace",
    "1 hour",
    "churn.fold_feature_drift() counts an hour of the score log once the hour ended this long "
    "ago; a score committed later than that after it was computed is left out of "
    "churn.feature_drift. An interval.",
)
DRIFT_FUNCTIONS = (
    "churn.fold_feature_drift()",
    "churn._drift_buckets(timestamptz, timestamptz, boolean)",
    "churn._negated_edges(double precision[])",
    "churn._drift_bin(double precision, double precision[])",
)


def _drift_before_code() -> None:
    SNAPSHOT.run_sql("tables/190_drift_tally.sql")
    name, value, description = DRIFT_GRACE
    op.execute(
        "INSERT INTO churn.setting (name, value, description) VALUES"
        f" ({roles.literal(name)}, {roles.literal(value)}, {roles.literal(description)})"
    )


def _drift_after_code() -> None:
    # the view itself is (re)created with the currency views (CURRENCY_VIEWS)
    names = roles.names()
    analyst, deployer = (roles.ident(names[k]) for k in ("analyst", "deployer"))
    op.execute(
        "GRANT EXECUTE ON FUNCTION churn._drift_buckets(timestamptz, timestamptz, boolean)"
        f" TO {analyst}"
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION churn.fold_feature_drift() TO {analyst}, {deployer}")


def _drift_before_downgrade() -> None:
    PREVIOUS.run_sql("views/feature_drift.sql")  # 0013's view reads the score log only
    for function in DRIFT_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    execute_sql(
        """
        DROP TABLE churn.drift_fold;
        DROP TABLE churn.drift_tally;
        DELETE FROM churn.setting WHERE name = 'drift_fold_grace';
        """
    )


# ------------------------------------------------------------------ threshold (notify_threshold)
THRESHOLD_AUTO = (
    "auto: the active model's holdout threshold (metrics->>'notify_threshold', chosen by"
    " pgchurn train, docs/training.md), or 0.5 when it has none; or a probability."
    " pg_notify('churn_score', ...) fires when a score crosses it."
)
THRESHOLD_0013 = "pg_notify('churn_score', ...) fires when a score crosses this probability."


def _threshold_after_code() -> None:
    op.execute(
        "UPDATE churn.setting SET value = CASE value WHEN '0.5' THEN 'auto' ELSE value END,"
        f" description = {roles.literal(THRESHOLD_AUTO)} WHERE name = 'notify_threshold'"
    )


def _threshold_before_downgrade() -> None:
    op.execute(
        "UPDATE churn.setting"
        "   SET value = CASE value WHEN 'auto' THEN churn.notify_threshold()::text ELSE value END,"
        f"      description = {roles.literal(THRESHOLD_0013)} WHERE name = 'notify_threshold'"
    )


def _threshold_after_downgrade() -> None:
    op.execute("DROP FUNCTION churn.notify_threshold()")
