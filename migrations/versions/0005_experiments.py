"""Champion and challenger: shadow scoring, a served share, and the experiment report.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import roles
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "83fabbd5ab3c567a5de50fb716a945a6bbcb2363ce4da1592650ea10d557696d"
SNAPSHOT = Snapshot("0005", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0004", "63b6b2db304620c01ee37b8adfe22538d67f662210c51fa24e8a6e04691213ec")

FUNCTIONS = (
    "churn.clear_challenger()",
    "churn.set_challenger(bigint, double precision, boolean)",
    "churn.experiment_bucket(bigint)",
)


def upgrade() -> None:
    """Add the experiment columns, functions, the report view and the new code."""
    execute_sql(
        """
        ALTER TABLE churn.model
            ADD COLUMN challenger_share double precision
                CONSTRAINT model_challenger_share_in_range
                CHECK (challenger_share > 0 AND challenger_share <= 1),
            ADD COLUMN challenger_serves boolean NOT NULL DEFAULT false;
        COMMENT ON COLUMN churn.model.challenger_share IS
            'For the challenger: the share of customers (by churn.experiment_bucket) it scores.';
        COMMENT ON COLUMN churn.model.challenger_serves IS
            'For the challenger: true when those customers are served its score, not only logged.';
        CREATE UNIQUE INDEX model_at_most_one_challenger ON churn.model ((true))
            WHERE status = 'challenger';
        ALTER TABLE churn.score_log
            ADD COLUMN variant text NOT NULL DEFAULT 'champion'
                CONSTRAINT score_log_variant_is_known CHECK (variant IN ('champion', 'challenger')),
            ADD COLUMN served boolean NOT NULL DEFAULT true;
        COMMENT ON COLUMN churn.score_log.variant IS
            'champion (the active model) or challenger (scored in the experiment).';
        COMMENT ON COLUMN churn.score_log.served IS
            'True when this score was written to the profile; false for a shadow score.';
        ALTER TABLE churn.customer_profile
            ADD COLUMN churn_variant text
                CONSTRAINT profile_churn_variant_is_known
                CHECK (churn_variant IN ('champion', 'challenger'));
        COMMENT ON COLUMN churn.customer_profile.churn_variant IS
            'Which variant served churn_score: champion, or challenger under serve_share.';
        """
    )
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    SNAPSHOT.run_sql("views/experiment.sql")
    names = roles.names()
    analyst, deployer = roles.ident(names["analyst"]), roles.ident(names["deployer"])
    op.execute(f"GRANT SELECT ON churn.experiment_report TO {analyst}")
    op.execute(f"GRANT EXECUTE ON FUNCTION churn.experiment_bucket(bigint) TO {analyst}")
    op.execute(
        f"GRANT EXECUTE ON FUNCTION churn.set_challenger(bigint, double precision, boolean) TO {deployer}"
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION churn.clear_challenger() TO {deployer}")


def downgrade() -> None:
    """Drop what upgrade added; restore revision 0004's code."""
    op.execute("DROP VIEW churn.experiment_report")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    execute_sql(
        """
        ALTER TABLE churn.customer_profile DROP COLUMN churn_variant;
        ALTER TABLE churn.score_log DROP COLUMN variant, DROP COLUMN served;
        DROP INDEX churn.model_at_most_one_challenger;
        ALTER TABLE churn.model DROP COLUMN challenger_share, DROP COLUMN challenger_serves;
        """
    )
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
