"""Answers an analyst can trust: right reasons, models that behave, scores that stay current.

(Being written for issue 17; each part below says what it changes.)

- Reasons: ...
- Features: severity enters the model features. churn.feature_frame, churn.features and
  churn.customer_features gain max_severity_30d (the highest severity of the last 30 days, 0
  when none) and severity_sum_90d (the sum of the last 90 days' severities), after
  attributes (ALTER TYPE ... ADD ATTRIBUTE appends); every existing feature is unchanged, so
  registered models bind as before. churn.profile_attribute names both as derived features.
- Currency: ...

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
