"""Hardening: scores at commit in customer_id order, counters and scores in churn.customer_score.

- Deadlocks. Complaint and profile statements no longer lock anything of pgchurn's: they queue
  their customers in churn.rescore_request, and a deferred trigger rescores them at commit,
  locking their churn.customer_score rows once, in customer_id order. The counters and score
  columns move from churn.customer_profile to churn.customer_score, a table the application
  never locks, so pgchurn's locks never meet the application's.
- Stale scores. Features are read after the locks are granted, as of the clock (or the latest
  complaint, if later), not as of the start of the transaction.
- Bad rows. Timestamps must be finite, a complaint at most 5 minutes ahead, severity a whole
  number (numeric, so 3.5 is refused, not rounded to 4), total_charges finite, customer_id
  immutable. Rows stored before are kept: the constraints are validated when the data allows,
  with a warning otherwise, and scoring records such a row instead of failing.
- Parallel plans: every PL/Python function is PARALLEL UNSAFE.
- Batches: a chunk whose session died is taken over; rescore_batch reports rows_scored;
  churn.rescore_all() returns only when its run is finished.
- Notifications carry identifiers only (customer_id, score_log_id).
- churn.forget_customer(id), for the deployer, and churn.erasure.
- Registration memory: churn.register_model becomes PL/pgSQL around the internal PL/Python
  churn._compile_for_registration, and stores the document from its argument. Models are
  compiled chunk by chunk; churn.model_compiled keeps the module's first line in `source` and
  its bytecode compressed chunk by chunk in `code` (no longer the whole generated source).

Downgrade restores revision 0009: the columns move back into the profile (their values kept),
the constraints and churn.erasure's records are dropped.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import roles
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "755c60bc8aaf86620584f67ac2b450177a9b1e59a9ae7e6821da37568b20ba6d"
SNAPSHOT = Snapshot("0010", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0009", "a2001abfc5edd8a4a2de37b35ee9adb77cc6d9fe9c84b89d48b42420c399330c")

# The score columns of revision 0009's churn.customer_profile, as churn.customer_score has them.
SCORE_COLUMNS = (
    "complaints_total, last_complaint_at, complaints_30d, complaints_90d, severe_complaints_90d,"
    " churn_score, churn_model_id, churn_variant, churn_scored_at, churn_score_stale"
)
OLD_FUNCTIONS = (
    "churn._rescore(bigint[], bigint[], integer[], timestamptz[], text)",
    "churn._rescore_one(bigint, bigint, integer, timestamptz, text)",
    "churn._notify_message(bigint, bigint, text, double precision, double precision,"
    " double precision, text, bigint)",
    "churn.rescore_batch(integer)",  # its result gains rows_scored
)
NEW_FUNCTIONS = (
    "churn._rescore(bigint[], bigint[], text[])",
    "churn._notify_message(bigint, bigint)",
    "churn.rescore_batch(integer)",
    "churn.on_rescore_request()",
    "churn.on_profile_insert()",
    "churn.refuse_customer_id_change()",
    "churn.forget_customer(bigint)",
    "churn._compile_for_registration(text, text)",
)
# churn.model_compiled's comments: since this revision, and in revision 0009.
COMPILED_COMMENTS = {
    "TABLE churn.model_compiled": (
        "Compiled code of each registered model, so that a new backend loads a model in "
        "milliseconds without parsing its PMML or compiling anything. Executed as code: "
        "writable only by the migration owner.",
        "Generated Python source of each registered model, so that a new backend loads a model "
        "in milliseconds without parsing its PMML. Executed as code: writable only by the "
        "migration owner.",
    ),
    "COLUMN churn.model_compiled.source": (
        "The first line of the generated Python module: its format, the Python version and the "
        "SHA-256 of the module, which the bytecode must match. The module itself is not kept.",
        "The generated Python module.",
    ),
    "COLUMN churn.model_compiled.code": (
        "Bytecode of the generated module (and of its explanation) for python_version, "
        "marshalled and zlib-compressed chunk by chunk, so that a new backend compiles nothing; "
        "when it is unusable, the backend compiles the PMML document again.",
        "marshal'ed bytecode of the source (and of its explanation) for python_version, "
        "so that a new backend does not compile it; NULL until a backend has made it.",
    ),
}
# Added NOT VALID, then validated where the stored rows allow (see _validate).
CONSTRAINTS = (
    ("customer_profile", "profile_customer_since_is_finite", "isfinite(customer_since)"),
    ("customer_profile", "profile_churned_at_is_finite", "isfinite(churned_at)"),
    (
        "customer_profile",
        "profile_total_charges_is_finite",
        "total_charges < 'Infinity'::double precision",
    ),
    (
        "complaint",
        "complaint_created_at_finite_and_at_most_5_minutes_ahead",
        "isfinite(created_at) AND created_at <= now() + interval '5 minutes'",
    ),
)


def upgrade() -> None:
    """Move the score columns, queue rescoring to commit, add the constraints."""
    execute_sql(
        """
        DROP TRIGGER profile_after_update ON churn.customer_profile;
        DROP TRIGGER complaint_after_insert ON churn.complaint;
        """
    )
    for function in OLD_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    SNAPSHOT.run_sql("tables/150_customer_score.sql", "tables/170_erasure.sql")
    op.execute(
        f"INSERT INTO churn.customer_score (customer_id, {SCORE_COLUMNS}, updated_at)"
        f" SELECT customer_id, {SCORE_COLUMNS}, updated_at FROM churn.customer_profile"
    )
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    SNAPSHOT.run_sql(
        "tables/160_rescore_request.sql",
        "triggers/complaint_after_insert.sql",
        "triggers/profile_triggers.sql",
        "views/scoring_health.sql",
    )
    op.execute(
        "ALTER TABLE churn.customer_profile "
        + ", ".join(f"DROP COLUMN {c.strip()}" for c in SCORE_COLUMNS.split(","))
    )
    _constrain()
    _grant()
    _comment_compiled(new=True)
    _describe_max_pmml_bytes(MAX_PMML_BYTES[0])
    op.execute("SELECT churn.purge_compiled_code()")


def _comment_compiled(*, new: bool) -> None:
    for target, (since, before) in COMPILED_COMMENTS.items():
        quoted = (since if new else before).replace("'", "''")
        op.execute(f"COMMENT ON {target} IS '{quoted}'")


# The description of max_pmml_bytes: since this revision, and in revision 0009.
MAX_PMML_BYTES = (
    "Largest PMML document churn.register_model accepts, in bytes (default 20 MB). "
    "Registering a document needs up to about 10 times its size in server memory (measured "
    "6-8x for 20-70 MB forests), and every connection that scores with an active model holds "
    "its compiled code, about 1.5 times the document for a large forest: raise it only for "
    "a server with that memory to spare.",
    "Largest PMML document churn.register_model accepts, in bytes.",
)


def _describe_max_pmml_bytes(description: str) -> None:
    op.execute(
        f"UPDATE churn.setting SET description = {roles.literal(description)}"
        " WHERE name = 'max_pmml_bytes'"
    )


def _constrain() -> None:
    for table, name, check in CONSTRAINTS:
        op.execute(f"ALTER TABLE churn.{table} ADD CONSTRAINT {name} CHECK ({check}) NOT VALID")
        _validate(table, name)
    execute_sql(
        """
        ALTER TABLE churn.complaint DROP CONSTRAINT complaint_severity_between_1_and_5;
        ALTER TABLE churn.complaint ALTER COLUMN severity TYPE numeric;
        ALTER TABLE churn.complaint ADD CONSTRAINT complaint_severity_between_1_and_5
            CHECK (severity IS NOT NULL AND severity IN (1, 2, 3, 4, 5));
        COMMENT ON COLUMN churn.complaint.severity IS
            'Severity, a whole number from 1 (minor) to 5 (threatens to leave); 3.5 is refused, never rounded.';
        COMMENT ON COLUMN churn.complaint.created_at IS
            'When the complaint was made; defaults to the transaction time. Finite, and at most 5 minutes ahead of the database clock.';
        COMMENT ON TABLE churn.customer_profile IS
            'One row per customer, written by the application: its attributes. Counters and scores are in churn.customer_score.';
        COMMENT ON COLUMN churn.customer_profile.customer_since IS 'Date the customer signed up; finite.';
        COMMENT ON COLUMN churn.customer_profile.total_charges IS 'Total billed since signing up; NULL when not yet billed; finite.';
        COMMENT ON COLUMN churn.customer_profile.churned_at IS 'When the customer left; NULL while they are a customer; finite. The training label.';
        COMMENT ON COLUMN churn.customer_profile.updated_at IS 'When the application last changed the row (its default is the insert time; pgchurn never sets it).';
        """
    )


def _validate(table: str, name: str) -> None:
    """VALIDATE the constraint; if stored rows break it, keep it NOT VALID and warn."""
    execute_sql(
        f"""
        DO $$
        BEGIN
            ALTER TABLE churn.{table} VALIDATE CONSTRAINT {name};
        EXCEPTION WHEN check_violation THEN
            RAISE WARNING 'churn.{table} holds rows that break {name}; the constraint applies '
                          'to new and changed rows only. Scoring records those rows in '
                          'churn.scoring_error. Fix them, then run: ALTER TABLE churn.{table} '
                          'VALIDATE CONSTRAINT {name}';
        END
        $$
        """
    )


def _grant() -> None:
    names = roles.names()
    analyst, deployer = roles.ident(names["analyst"]), roles.ident(names["deployer"])
    for statement in (
        f"GRANT SELECT ON churn.customer_score TO {analyst}",
        f"GRANT SELECT ON churn.erasure TO {analyst}, {deployer}",
        f"GRANT EXECUTE ON FUNCTION churn.rescore_batch(integer) TO {deployer}",
        f"GRANT EXECUTE ON FUNCTION churn.forget_customer(bigint) TO {deployer}",
    ):
        op.execute(statement)


def downgrade() -> None:
    """Restore revision 0009: the score columns back in the profile, values kept."""
    execute_sql(
        """
        -- First, so that copying the scores back does not queue a rescoring.
        DROP TRIGGER profile_after_insert ON churn.customer_profile;
        DROP TRIGGER profile_after_update ON churn.customer_profile;
        DROP TRIGGER profile_customer_id_is_immutable ON churn.customer_profile;
        DROP TRIGGER complaint_after_insert ON churn.complaint;
        ALTER TABLE churn.customer_profile
            ADD COLUMN complaints_total integer NOT NULL DEFAULT 0
                CONSTRAINT profile_complaints_total_not_negative CHECK (complaints_total >= 0),
            ADD COLUMN last_complaint_at timestamptz,
            ADD COLUMN churn_score double precision
                CONSTRAINT profile_churn_score_is_probability
                CHECK (churn_score >= 0 AND churn_score <= 1),
            ADD COLUMN churn_model_id bigint REFERENCES churn.model (model_id),
            ADD COLUMN churn_scored_at timestamptz,
            ADD COLUMN churn_score_stale boolean NOT NULL DEFAULT false,
            ADD COLUMN complaints_30d integer NOT NULL DEFAULT 0,
            ADD COLUMN complaints_90d integer NOT NULL DEFAULT 0,
            ADD COLUMN severe_complaints_90d integer NOT NULL DEFAULT 0,
            ADD COLUMN churn_variant text
                CONSTRAINT profile_churn_variant_is_known
                CHECK (churn_variant IN ('champion', 'challenger'));
        CREATE INDEX customer_profile_churn_model_id ON churn.customer_profile (churn_model_id);
        COMMENT ON TABLE churn.customer_profile IS 'One row per customer: attributes written by the application, complaint counters and the churn score written by pgchurn''s triggers.';
        COMMENT ON COLUMN churn.customer_profile.complaints_total IS 'Number of complaints ever filed; maintained by the complaint trigger.';
        COMMENT ON COLUMN churn.customer_profile.last_complaint_at IS 'created_at of the latest complaint; maintained by the complaint trigger.';
        COMMENT ON COLUMN churn.customer_profile.churn_score IS 'Latest churn probability in [0, 1] from the model in churn_model_id.';
        COMMENT ON COLUMN churn.customer_profile.churn_model_id IS 'Model that produced churn_score.';
        COMMENT ON COLUMN churn.customer_profile.churn_scored_at IS 'When churn_score was computed.';
        COMMENT ON COLUMN churn.customer_profile.churn_score_stale IS 'True when the last attempt to rescore failed and churn_score is older than the profile''s data.';
        COMMENT ON COLUMN churn.customer_profile.complaints_30d IS 'Complaints in the 30 days before churn_scored_at, as used by that score. Live value: churn.feature_frame(now()); batch rescoring refreshes it.';
        COMMENT ON COLUMN churn.customer_profile.complaints_90d IS 'Complaints in the 90 days before churn_scored_at, as used by that score.';
        COMMENT ON COLUMN churn.customer_profile.severe_complaints_90d IS 'Complaints of severity 4 or 5 in the 90 days before churn_scored_at.';
        COMMENT ON COLUMN churn.customer_profile.churn_variant IS 'Which variant served churn_score: champion, or challenger under serve_share.';
        COMMENT ON COLUMN churn.complaint.created_at IS 'When the complaint was made; defaults to the transaction time.';
        COMMENT ON COLUMN churn.complaint.severity IS 'Severity from 1 (minor) to 5 (threatens to leave).';
        COMMENT ON COLUMN churn.customer_profile.customer_since IS 'Date the customer signed up.';
        COMMENT ON COLUMN churn.customer_profile.total_charges IS 'Total billed since signing up; NULL when not yet billed.';
        COMMENT ON COLUMN churn.customer_profile.churned_at IS 'When the customer left; NULL while they are a customer. The training label.';
        COMMENT ON COLUMN churn.customer_profile.updated_at IS 'When the row last changed.';
        UPDATE churn.customer_profile p
           SET complaints_total = s.complaints_total, last_complaint_at = s.last_complaint_at,
               churn_score = s.churn_score, churn_model_id = s.churn_model_id,
               churn_scored_at = s.churn_scored_at, churn_score_stale = s.churn_score_stale,
               complaints_30d = coalesce(s.complaints_30d, 0),
               complaints_90d = coalesce(s.complaints_90d, 0),
               severe_complaints_90d = coalesce(s.severe_complaints_90d, 0),
               churn_variant = s.churn_variant
          FROM churn.customer_score s
         WHERE s.customer_id = p.customer_id;
        CREATE OR REPLACE VIEW churn.scoring_health AS
        WITH hours AS (
            SELECT generate_series(date_trunc('hour', now()) - interval '23 hours',
                                   date_trunc('hour', now()), interval '1 hour') AS hour
        )
        SELECT h.hour,
               (SELECT count(*) FROM churn.score_log l
                 WHERE l.scored_at >= h.hour AND l.scored_at < h.hour + interval '1 hour') AS scores,
               (SELECT count(*) FROM churn.scoring_error e
                 WHERE e.occurred_at >= h.hour AND e.occurred_at < h.hour + interval '1 hour') AS errors,
               (SELECT count(*) FROM churn.customer_profile p WHERE p.churn_score_stale) AS stale_profiles,
               (SELECT count(*) FROM churn.customer_profile p
                 WHERE p.churned_at IS NULL AND p.churn_scored_at IS NULL) AS unscored_profiles,
               (SELECT now() - min(p.churn_scored_at) FROM churn.customer_profile p
                 WHERE p.churned_at IS NULL) AS oldest_score_age
          FROM hours h;
        DROP TABLE churn.rescore_request;
        DROP TABLE churn.customer_score;
        DROP TABLE churn.erasure;
        ALTER TABLE churn.complaint DROP CONSTRAINT complaint_severity_between_1_and_5;
        ALTER TABLE churn.complaint ALTER COLUMN severity TYPE smallint;
        ALTER TABLE churn.complaint ADD CONSTRAINT complaint_severity_between_1_and_5
            CHECK (severity IS NOT NULL AND severity BETWEEN 1 AND 5);
        """
    )
    for table, name, _ in CONSTRAINTS:
        op.execute(f"ALTER TABLE churn.{table} DROP CONSTRAINT {name}")
    for function in NEW_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    _comment_compiled(new=False)
    _describe_max_pmml_bytes(MAX_PMML_BYTES[1])
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    PREVIOUS.run_sql("triggers/complaint_after_insert.sql", "triggers/profile_after_update.sql")
    deployer = roles.ident(roles.names()["deployer"])
    op.execute(f"GRANT EXECUTE ON FUNCTION churn.rescore_batch(integer) TO {deployer}")
