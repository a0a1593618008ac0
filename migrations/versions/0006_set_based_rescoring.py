"""Set-based rescoring, parallel batch chunks, and cached bytecode for fast cold starts.

A new backend no longer compiles: the package's and each model's bytecode is cached in
tables (churn.plpython_bytecode, churn.model_compiled.code). Triggers and batches now call churn._rescore (PL/pgSQL), which reads features, scores every
customer through churn._score (PL/Python, one call per row), and writes profiles, score log,
errors and notifications in a single statement. Batch runs are split into chunks that several
sessions can claim. The score log's foreign key to churn.model becomes a delete guard on
churn.model, so that logging a score no longer runs a referential check per row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import roles
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "69029595470c0bfcfa5d5c32944f930b2bda2ca551732c87e3e0d9cdadd43eee"
SNAPSHOT = Snapshot("0006", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0005", "83fabbd5ab3c567a5de50fb716a945a6bbcb2363ce4da1592650ea10d557696d")

NEW_FUNCTIONS = (
    "churn._rescore(bigint[], bigint[], integer[], timestamptz[], text)",
    "churn._score(text, churn.features)",
    "churn._plan_rescore_chunks(bigint)",
    "churn.model_delete_guard()",
    "churn._store_model_code(text, text, text, text, bytea)",
)


def upgrade() -> None:
    """Add the types, chunk table and delete guard; install the set-based code."""
    SNAPSHOT.run_sql(
        "types/010_scoring.sql",
        "tables/120_rescore_chunk.sql",
        "tables/130_plpython_bytecode.sql",
    )
    execute_sql(
        """
        ALTER TABLE churn.model_compiled ADD COLUMN code bytea;
        COMMENT ON COLUMN churn.model_compiled.code IS
            'marshal''ed bytecode of the source (and of its explanation) for python_version, '
            'so that a new backend does not compile it; NULL until a backend has made it.';
        -- Older code could leave several runs open; only the newest one resumes.
        UPDATE churn.rescore_run SET finished_at = clock_timestamp()
         WHERE finished_at IS NULL
           AND run_id < (SELECT max(run_id) FROM churn.rescore_run WHERE finished_at IS NULL);
        CREATE UNIQUE INDEX rescore_run_at_most_one_open ON churn.rescore_run ((true))
            WHERE finished_at IS NULL;
        ALTER TABLE churn.score_log DROP CONSTRAINT score_log_model_id_fkey;
        CREATE FUNCTION churn.model_delete_guard()
        RETURNS trigger
        LANGUAGE plpgsql
        SECURITY DEFINER
        SET search_path = pg_catalog, churn, pg_temp
        AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM churn.score_log l WHERE l.model_id = OLD.model_id) THEN
                RAISE EXCEPTION 'model % has scores in churn.score_log and cannot be deleted',
                                OLD.model_id
                    USING ERRCODE = 'foreign_key_violation',
                          HINT = 'retire it with churn.retire_model instead';
            END IF;
            RETURN OLD;
        END
        $$;
        REVOKE EXECUTE ON FUNCTION churn.model_delete_guard() FROM PUBLIC;
        COMMENT ON FUNCTION churn.model_delete_guard() IS
            'Trigger function: refuses to delete a model that churn.score_log refers to.';
        CREATE TRIGGER model_before_delete BEFORE DELETE ON churn.model
            FOR EACH ROW EXECUTE FUNCTION churn.model_delete_guard();
        COMMENT ON TRIGGER model_before_delete ON churn.model IS
            'Keeps every score_log row''s model: the check runs when a model is deleted, '
            'not each time a score is logged.';
        """
    )
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    deployer = roles.ident(roles.names()["deployer"])
    op.execute(f"GRANT SELECT ON churn.rescore_chunk TO {deployer}")


def downgrade() -> None:
    """Restore revision 0005's code, foreign key and single-session runs."""
    execute_sql(
        """
        -- Where the 0005 code resumes an open run: after the last customer of the done prefix.
        UPDATE churn.rescore_run r
           SET last_customer_id = coalesce(
                   (SELECT min(c.after_customer_id) FROM churn.rescore_chunk c
                     WHERE c.run_id = r.run_id AND c.done_at IS NULL), r.last_customer_id)
         WHERE r.finished_at IS NULL;
        DROP TRIGGER model_before_delete ON churn.model;
        ALTER TABLE churn.score_log ADD CONSTRAINT score_log_model_id_fkey
            FOREIGN KEY (model_id) REFERENCES churn.model (model_id);
        DROP INDEX churn.rescore_run_at_most_one_open;
        """
    )
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    for function in NEW_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    execute_sql(
        """
        DROP TABLE churn.rescore_chunk;
        DROP TABLE churn.plpython_bytecode;
        ALTER TABLE churn.model_compiled DROP COLUMN code;
        DROP TYPE churn.scored;
        DROP TYPE churn.features;
        """
    )
