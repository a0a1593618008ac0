"""Missing predictions are NULL: churn.predict, predict_many and score_customer never fail a query.

Where the PMML's own rules give no prediction for a record (a tree in which no child's
predicate is true for a category the model never saw and kept "as is", a NaN result, ...),
the analyst functions return NULL, as JPMML-Evaluator returns a missing value, instead of
raising: one such row no longer fails a whole query. The trigger and the batches already
record the reason in churn.scoring_error (now as NoPrediction) and mark the score stale. An
invalid value under invalidValueTreatment="returnInvalid" still raises, naming the field.

Downgrade restores revision 0011's code.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op
from snapshot_ops import Snapshot

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "5038ae3827eac227f033730fb5044e19455d4c74d0d707baa64e3a476e83537a"
SNAPSHOT = Snapshot("0012", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0011", "e15e650bbf7072c730cbbdaf8861640675125e99e97710ca466016738fbe51ec")


def upgrade() -> None:
    """Install the code that returns NULL for a missing prediction."""
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    op.execute("SELECT churn.purge_compiled_code()")  # code compiled by 0011's runtime


def downgrade() -> None:
    """Restore revision 0011's code."""
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
