"""A lean write path and a score log that scales (issue 19).

Each part below says what it changes.

- Write path: churn._score returns the score and the model's inputs packed (log_codec): no
  reasons and no JSON while scoring. A transaction keeps one row in churn.rescore_request
  (INSERT ... ON CONFLICT (xid) DO UPDATE appends each statement's customers), so the deferred
  trigger fires once and groups customers only when there are several. churn._rescore reads
  each setting once, takes the automatic threshold with the champion, calls only SQL functions
  that the planner inlines (churn._notify_message becomes STABLE, as its body is), takes the
  counters from churn.feature_frame, writes churn.score_log_data and has no SET clause.
  churn.customer_score gets fillfactor 90 (HOT updates).
- Score log: churn.score_log becomes a view over churn.score_log_data, 24 month partitions
  (churn._log_month) whose rows keep the model's inputs packed in bytes (log_codec) instead of
  features and reasons as jsonb; the view decodes the features and recomputes the reasons on
  demand, exactly. Old rows are copied as they were. churn.purge_score_log truncates whole
  months (validating score_log_retention_days <= 700); current_scores reads the partition of
  its score. Downgrade rebuilds 0015's table with every row's features and reasons as jsonb.
- Cold start: every entry point names the code version it expects when it loads the package
  (`churn._load_code(expected)`), which then reads that version's cached bytecode alone: no
  module source, no digest. The bytecode is kept per module and unmarshalled on import, and
  stored uncompressed (`STORAGE EXTERNAL`).
- Batch and predict_many: `churn.predict_many(model_id, number_fields, numbers, text_fields,
  texts)` takes the records as two 2-D arrays (float8[] and text[], one row per record), so
  that PL/Python converts plain values instead of a dict per record; generated models gain
  `score_rows`, which runs score's own lines over tuples (the same bits). Granted to the
  analyst; downgrade drops it.

Downgrade restores revision 0015.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import roles
import schema_mark
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "85cd62d8d9b672c7e86ef9e927443bf9a32446fc4ab37f7cd621e998eb4f60ed"
SNAPSHOT = Snapshot("0016", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0015", "c441c91e0777c7bf8acc0d460582b42bf613b0a05bf1d8d3628f732acc3047de")


def upgrade() -> None:
    """Schema changes first (each part's own), then the code, then what reads the code."""
    _log_before_code()
    _write_before_code()
    _cold_before_code()
    _batch_before_code()
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    _log_after_code()
    _write_after_code()
    _cold_after_code()
    _batch_after_code()
    roles.hand_over(roles.owner_name())  # what this revision created, to the owner role
    schema_mark.mark(revision)
    op.execute("SELECT churn.purge_compiled_code()")  # code compiled by 0015's runtime


def downgrade() -> None:
    """Restore revision 0015: each part undoes its own changes around 0015's code."""
    # First: it decodes the compact rows with 0016's code, which the others start to remove.
    _log_before_downgrade()
    _batch_before_downgrade()
    _cold_before_downgrade()
    _write_before_downgrade()
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    _batch_after_downgrade()
    _cold_after_downgrade()
    _write_after_downgrade()
    _log_after_downgrade()
    roles.hand_over(roles.owner_name())  # what the downgrade re-created, to the owner role
    schema_mark.mark(down_revision)  # type: ignore[arg-type]
    op.execute("SELECT churn.purge_compiled_code()")


# ------------------------------------------------------------------ the score log
# The views that read churn.score_log; each is replaced in place (CREATE OR REPLACE VIEW keeps
# its grants, and the views that read it) to read the new relation of that name.
LOG_READERS = (
    "views/current_scores.sql",
    "views/experiment.sql",
    "views/monitoring.sql",
    "views/score_change.sql",
    "views/score_drift.sql",
    "views/scoring_health.sql",
)
# What the analyst's reads of churn.score_log and churn.current_scores call (a view's
# functions are executed with its reader's privileges).
LOG_FUNCTIONS = (
    "FUNCTION churn._logged_features(integer, bytea)",
    "FUNCTION churn._logged_reasons(integer, bytea)",
    "FUNCTION churn._log_month(timestamptz)",
)
# The rows as they were, jsonb kept as it is (no recomputation); triggered_by and variant coded.
LOG_COPY_UP = """
INSERT INTO churn.score_log_data (scored_at, score_log_id, customer_id, complaint_id, score,
                                  previous_score, model_id, previous_model_id, log_month,
                                  triggered_by, challenger, served, features, reasons)
SELECT l.scored_at, l.score_log_id, l.customer_id, l.complaint_id, l.score, l.previous_score,
       l.model_id, l.previous_model_id, churn._log_month(l.scored_at),
       CASE l.triggered_by WHEN 'complaint' THEN 'c' WHEN 'profile_insert' THEN 'i'
                           WHEN 'profile_update' THEN 'u' WHEN 'batch' THEN 'b' ELSE 'm' END,
       l.variant = 'challenger', l.served, l.features, l.reasons
  FROM churn.score_log_0015 l
 ORDER BY l.score_log_id
"""
# Past every id handed out before (purged ones too): ids are never reused.
LOG_SEQUENCE_UP = """
SELECT CASE WHEN x.v > 0 THEN setval('churn.score_log_id', x.v)
            ELSE setval('churn.score_log_id', 1, false) END
  FROM (SELECT greatest((SELECT s.last_value FROM pg_catalog.pg_sequences s
                          WHERE s.schemaname = 'churn'
                            AND s.sequencename = 'score_log_score_log_id_seq'),
                        (SELECT max(l.score_log_id) FROM churn.score_log_0015 l), 0) AS v) x
"""
# Revision 0015's table, every row through the view: features decoded, reasons computed.
LOG_COPY_DOWN = """
INSERT INTO churn.score_log (score_log_id, customer_id, model_id, score, previous_score,
                             features, reasons, triggered_by, complaint_id, scored_at, variant,
                             served, previous_model_id)
OVERRIDING SYSTEM VALUE
SELECT l.score_log_id, l.customer_id, l.model_id, l.score, l.previous_score,
       l.features, coalesce(l.reasons, '[]'::jsonb), l.triggered_by, l.complaint_id,
       l.scored_at, l.variant, l.served, l.previous_model_id
  FROM churn.score_log_0016 l
 ORDER BY l.score_log_id
"""
LOG_SEQUENCE_DOWN = """
SELECT setval(pg_catalog.pg_get_serial_sequence('churn.score_log', 'score_log_id'), x.v)
  FROM (SELECT greatest((SELECT s.last_value FROM pg_catalog.pg_sequences s
                          WHERE s.schemaname = 'churn' AND s.sequencename = 'score_log_id'),
                        (SELECT max(l.score_log_id) FROM churn.score_log l)) AS v) x
 WHERE x.v IS NOT NULL
"""


def _log_replace_readers(snapshot: Snapshot) -> None:
    for rel in LOG_READERS:
        text = snapshot.sql(rel).replace("CREATE VIEW ", "CREATE OR REPLACE VIEW ")
        execute_sql(text)


def _log_before_code() -> None:
    """churn.score_log becomes a view over churn.score_log_data (24 month partitions)."""
    analyst = roles.ident(roles.names()["analyst"])
    op.execute("ALTER TABLE churn.score_log RENAME TO score_log_0015")
    # The partition key's CHECK and the view call these; the code step installs them again.
    SNAPSHOT.run_sql("functions/score_log.sql", "tables/040_score_log.sql")
    op.execute(LOG_COPY_UP)
    op.execute(LOG_SEQUENCE_UP)
    _log_replace_readers(SNAPSHOT)
    op.execute("DROP TABLE churn.score_log_0015")
    SNAPSHOT.run_sql("triggers/score_log_insert.sql")
    op.execute(f"GRANT SELECT ON churn.score_log TO {analyst}")
    for function in LOG_FUNCTIONS:
        op.execute(f"GRANT EXECUTE ON {function} TO {analyst}")


def _log_after_code() -> None:
    pass


def _log_before_downgrade() -> None:
    """Revision 0015's table again, every row with its features and reasons as jsonb."""
    op.execute("ALTER VIEW churn.score_log RENAME TO score_log_0016")
    PREVIOUS.run_sql("tables/040_score_log.sql")
    op.execute(LOG_COPY_DOWN)
    op.execute(LOG_SEQUENCE_DOWN)
    _log_replace_readers(PREVIOUS)
    op.execute("DROP VIEW churn.score_log_0016")  # its INSERT trigger goes with it
    op.execute("DROP TABLE churn.score_log_data")  # the partitions and the sequence too
    op.execute(f"GRANT SELECT ON churn.score_log TO {roles.ident(roles.names()['analyst'])}")


def _log_after_downgrade() -> None:
    for function in LOG_FUNCTIONS:
        op.execute(f"DROP {function}")
    op.execute("DROP FUNCTION churn._score_log_insert()")


# ------------------------------------------------------------------ the write path
def _write_before_code() -> None:
    """churn._score returns the packed inputs; one rescore request row per transaction."""
    op.execute("DROP FUNCTION churn._score(text, churn.features)")
    op.execute("DROP TYPE churn.scored")
    SNAPSHOT.run_sql("types/020_scored.sql")
    # Empty outside a transaction: dropped and created again, with its constraint trigger.
    op.execute("DROP TABLE churn.rescore_request")
    SNAPSHOT.run_sql("tables/160_rescore_request.sql")
    # Room on every page for the new version of a row: the score update stays HOT (no index
    # entry). Pages filled before keep no room until their rows move once.
    op.execute("ALTER TABLE churn.customer_score SET (fillfactor = 90)")


def _write_after_code() -> None:
    pass


def _write_before_downgrade() -> None:
    """0015's churn.scored and rescore requests, for 0015's code (installed by the skeleton)."""
    op.execute("DROP FUNCTION churn._score(text, churn.features)")
    op.execute("DROP TYPE churn.scored")
    op.execute(SCORED_0015)
    op.execute("DROP TABLE churn.rescore_request")
    PREVIOUS.run_sql("tables/160_rescore_request.sql")
    op.execute("ALTER TABLE churn.customer_score RESET (fillfactor)")


def _write_after_downgrade() -> None:
    pass


# Revision 0007's churn.scored, as 0015 left it (0015's types/010_scoring.sql).
SCORED_0015 = """
CREATE TYPE churn.scored AS (
    score    double precision,
    reasons  jsonb,
    error    text,
    sqlstate text,
    features jsonb
);
COMMENT ON TYPE churn.scored IS 'Result of churn._score: the score, its top reasons and the model''s input features as logged, or, with a NULL score, the error and its SQLSTATE.';
"""


# ------------------------------------------------------------------ cold start
COLD_BYTECODE_COMMENT = "COMMENT ON COLUMN churn.plpython_bytecode.code IS {}"


def _cold_before_code() -> None:
    op.execute("DROP FUNCTION churn._load_code()")  # now _load_code(expected text DEFAULT NULL)
    op.execute("ALTER TABLE churn.plpython_bytecode ALTER COLUMN code SET STORAGE EXTERNAL")


def _cold_after_code() -> None:
    op.execute(
        COLD_BYTECODE_COMMENT.format(
            "'marshal.dumps of (format, {module_path: marshal.dumps of its code object}):"
            " a backend unmarshals a module when it imports it.'"
        )
    )


def _cold_before_downgrade() -> None:
    op.execute("DROP FUNCTION churn._load_code(text)")  # 0015's _load_code() is re-installed
    op.execute("ALTER TABLE churn.plpython_bytecode ALTER COLUMN code SET STORAGE EXTENDED")


def _cold_after_downgrade() -> None:
    op.execute(COLD_BYTECODE_COMMENT.format("'marshal.dumps of {module_path: code object}.'"))


# ------------------------------------------------------------------ batch and predict_many
# The column form of churn.predict_many, new in this revision (predict.sql).
PREDICT_MANY_COLUMNS = "churn.predict_many(bigint, text[], double precision[], text[], text[])"


def _batch_before_code() -> None:
    pass


def _batch_after_code() -> None:
    analyst = roles.ident(roles.names()["analyst"])
    op.execute(f"GRANT EXECUTE ON FUNCTION {PREDICT_MANY_COLUMNS} TO {analyst}")


def _batch_before_downgrade() -> None:
    op.execute(f"DROP FUNCTION {PREDICT_MANY_COLUMNS}")


def _batch_after_downgrade() -> None:
    pass
