"""Answers an analyst can trust: right reasons, models that behave, scores that stay current.

(Being written for issue 17; each part below says what it changes.)

- Reasons: explanations start from the expected value over the training data (node weights,
  term means; a NOTICE when a document registered in SQL has none), and churn.explain takes
  (customer_id, model_id DEFAULT NULL, as_of DEFAULT now()): churn.explain(bigint) is dropped
  and restored on downgrade, with its grant to the analyst role.
- Features: ...
- Currency: ...

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

SNAPSHOT_SHA256 = "dd045c21eef66077f612b78097267cbf39b55868a81fbb0682a7fa4821ebc1a3"
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
    op.execute("DROP FUNCTION churn.explain(bigint)")  # its signature changes


def _reasons_after_code() -> None:
    _grant_explain("bigint, bigint, timestamptz")


def _reasons_before_downgrade() -> None:
    op.execute("DROP FUNCTION churn.explain(bigint, bigint, timestamptz)")


def _reasons_after_downgrade() -> None:
    _grant_explain("bigint")


def _grant_explain(signature: str) -> None:
    """The analyst may call churn.explain (revision 0003's grant)."""
    import roles  # the reasons part's own import, kept inside its section

    analyst = roles.ident(roles.names()["analyst"])
    op.execute(f"GRANT EXECUTE ON FUNCTION churn.explain({signature}) TO {analyst}")
