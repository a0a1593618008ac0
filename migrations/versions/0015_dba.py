"""The DBA's pgchurn (issue 18): scripts that apply, least privilege, restores, safe downgrades.

(Being written for issue 18; each part below says what it changes.)

- Scripts: pgchurn's Alembic version table moves from `public` into `churn` (downgrade moves it
  back, with its grants), so that a host application's autogenerate never sees it.
- Privilege: every CLI command works for the role the docs assign it; retraining records its
  decision through churn.record_retrain_decision; every object of schema churn is owned by a
  NOLOGIN role (pgchurn_owner, `-x owner_role=...`) instead of the installing superuser.
- Operations: a data-only load with live triggers (check_function_bodies off, as in a pg_dump
  script) is refused before the first profile or complaint (churn.refuse_live_load); the schema
  comment names the revision, so that `pgchurn migrate` repairs a schema-only copy.
- House: the SQL files are the one current definition of every object (tables as they are
  at head, the model delete guard in functions/model_delete_guard.sql and
  triggers/model_before_delete.sql, one churn.feature_drift); rescoring's SQL is split by
  stage (rescore_1_score, rescore_2_notify, rescore_3_write: the one writer of the score
  columns); the PL/Python modules get names that say what they do (model_cache, rescoring,
  pmml.compiled_model, pmml.model_functions). Only churn.experiment_bucket's comment changes
  (no Python twin computes the bucket any more); the delete guard's trigger is re-created
  from its file (CREATE OR REPLACE TRIGGER), and downgrade needs nothing beyond 0014's code.

Downgrade restores revision 0014.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import roles
import schema_mark
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "c441c91e0777c7bf8acc0d460582b42bf613b0a05bf1d8d3628f732acc3047de"
SNAPSHOT = Snapshot("0015", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0014", "ff3ec7dd0615d2bc7741423ce7fb3fdda41e46908a4215a1a33b94a386b57b5a")


def upgrade() -> None:
    """Schema changes first (each part's own), then the code, then what reads the code."""
    _scripts_before_code()
    _privilege_before_code()
    _operations_before_code()
    _house_before_code()
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    _scripts_after_code()
    _operations_after_code()
    _house_after_code()
    _privilege_after_code()  # last: it hands every object created above to the owner role
    op.execute("SELECT churn.purge_compiled_code()")  # code compiled by 0014's runtime


def downgrade() -> None:
    """Restore revision 0014: each part undoes its own changes around 0014's code."""
    _house_before_downgrade()
    _operations_before_downgrade()
    _privilege_before_downgrade()
    _scripts_before_downgrade()
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    _house_after_downgrade()
    _operations_after_downgrade()
    _privilege_after_downgrade()
    _scripts_after_downgrade()
    op.execute("SELECT churn.purge_compiled_code()")


# ------------------------------------------------------------------ scripts (items 1, 2, 5)
def _scripts_before_code() -> None:
    _move_version_table("public", "churn")
    op.execute(
        "COMMENT ON TABLE churn.pgchurn_alembic_version IS 'The Alembic revision pgchurn''s"
        " schema is at (pgchurn migrate, alembic upgrade); written by the migrations only.'"
    )
    op.execute(
        "COMMENT ON COLUMN churn.pgchurn_alembic_version.version_num"
        " IS 'Revision ID, as in migrations/versions/NNNN_*.py.'"
    )


def _scripts_after_code() -> None:
    pass


def _scripts_before_downgrade() -> None:
    pass


def _scripts_after_downgrade() -> None:
    op.execute("COMMENT ON COLUMN churn.pgchurn_alembic_version.version_num IS NULL")
    op.execute("COMMENT ON TABLE churn.pgchurn_alembic_version IS NULL")
    _move_version_table("churn", "public")


def _move_version_table(source: str, target: str) -> None:
    """Move pgchurn's version table (its grants go with it), and stamp this run where it is now.

    Alembic writes the revision after each revision's upgrade or downgrade, into the table it
    was configured with at the start of the run; point it at the moved table, online and
    offline alike (alembic is pinned: pyproject.toml).
    """
    # IF EXISTS: a database stamped at a revision (not migrated to it) may have it there already
    op.execute(f"ALTER TABLE IF EXISTS {source}.pgchurn_alembic_version SET SCHEMA {target}")
    context = op.get_context()
    context._version = context.impl.version_table_impl(
        version_table="pgchurn_alembic_version",
        version_table_schema=target,
        version_table_pk=True,
    )


# ------------------------------------------------------------------ privilege (item 4)
RECORD_DECISION = "FUNCTION churn.record_retrain_decision(bigint, bigint, boolean, text)"
# (role kind, privilege, object): what the deployer's commands need beyond revisions 0003-0014.
PRIVILEGE_GRANTS = (
    ("deployer", "SELECT", "TABLE churn.setting"),  # pgchurn relay reads notify_mode
    # pgchurn retrain and train read the training data; models register, the current customers
    ("deployer", "SELECT", "TABLE churn.customer_profile"),
    ("deployer", "SELECT", "TABLE churn.complaint"),
    ("deployer", "EXECUTE", "FUNCTION churn.feature_frame(timestamptz, boolean)"),
    ("deployer", "EXECUTE", "FUNCTION churn._non_input_columns()"),
    ("deployer", "EXECUTE", "FUNCTION churn.predict(jsonb, bigint)"),  # retrain's holdout
    # pgchurn retrain --if-drift: the drift views only (counts, not the score log)
    ("deployer", "SELECT", "TABLE churn.score_drift"),
    ("deployer", "SELECT", "TABLE churn.feature_drift"),
    ("deployer", "EXECUTE", "FUNCTION churn._drift_buckets(timestamptz, timestamptz, boolean)"),
    ("deployer", "EXECUTE", RECORD_DECISION),
)
# Every object of schema churn but the version table changes hands: relations (an identity
# column's sequence and the indexes follow their table), free sequences, composite types and
# routines. PostgreSQL has no statement for "everything in a schema", so a DO block walks the
# catalog; `target` and `source` are quoted literals, `source` NULL for any owner.


def _privilege_before_code() -> None:
    """The owner role, if absent: NOLOGIN, recorded so that downgrade drops only its own."""
    owner = roles.owner_name()
    execute_sql(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = {roles.literal(owner)}) THEN
                CREATE ROLE {roles.ident(owner)} NOLOGIN;
                INSERT INTO churn.installed_object (object_kind, object_name)
                VALUES ('role', {roles.literal(owner)});
            END IF;
        END
        $$;
        """
    )


def _privilege_after_code() -> None:
    """Grant the deployer's commands what they read; hand every churn object to the owner."""
    names = roles.names()
    for kind, privilege, obj in PRIVILEGE_GRANTS:
        op.execute(f"GRANT {privilege} ON {obj} TO {roles.ident(names[kind])}")
    owner = roles.owner_name()
    op.execute(f"GRANT USAGE ON SCHEMA churn TO {roles.ident(owner)}")
    roles.hand_over(owner)


def _privilege_before_downgrade() -> None:
    """Revoke this revision's grants and drop its function (0014 writes the audit itself)."""
    names = roles.names()
    for kind, privilege, obj in PRIVILEGE_GRANTS:
        if obj != RECORD_DECISION:
            op.execute(f"REVOKE {privilege} ON {obj} FROM {roles.ident(names[kind])}")
    op.execute(f"DROP {RECORD_DECISION}")


def _privilege_after_downgrade() -> None:
    """Give the owner's objects back to the schema's owner (0014's owner); drop a role we made.

    The role is dropped only if revision 0015 created it and nobody is a member; a role that
    still owns or holds something elsewhere is kept, with a notice.
    """
    owner = roles.owner_name()
    execute_sql(
        roles.OWNERSHIP.format(
            target="(SELECT nspowner::regrole::name FROM pg_catalog.pg_namespace"
            " WHERE nspname = 'churn')",
            source=roles.literal(owner),
        )
    )
    op.execute(f"REVOKE ALL ON SCHEMA churn FROM {roles.ident(owner)}")
    execute_sql(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM churn.installed_object
                        WHERE object_kind = 'role' AND object_name = {roles.literal(owner)}) THEN
                IF EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members
                            WHERE roleid = {roles.literal(owner)}::regrole) THEN
                    RAISE NOTICE 'kept role %: it has members', {roles.literal(owner)};
                ELSE
                    BEGIN
                        DROP ROLE {roles.ident(owner)};
                    EXCEPTION WHEN dependent_objects_still_exist THEN
                        RAISE NOTICE 'kept role %: it still owns or holds something', {roles.literal(owner)};
                    END;
                END IF;
                DELETE FROM churn.installed_object
                 WHERE object_kind = 'role' AND object_name = {roles.literal(owner)};
            END IF;
        END
        $$;
        """
    )


# ------------------------------------------------------------------ operations (items 6, 7, 8)
def _operations_before_code() -> None:
    pass


def _operations_after_code() -> None:
    SNAPSHOT.run_sql("triggers/restore_guard.sql")
    schema_mark.mark(revision)


def _operations_before_downgrade() -> None:
    op.execute("DROP TRIGGER complaint_refuses_live_load ON churn.complaint")
    op.execute("DROP TRIGGER profile_refuses_live_load ON churn.customer_profile")
    op.execute("DROP FUNCTION churn.refuse_live_load()")
    schema_mark.mark(None)


def _operations_after_downgrade() -> None:
    pass


# ------------------------------------------------------------------ house (items 3, 9)
def _house_before_code() -> None:
    pass


def _house_after_code() -> None:
    # The same trigger as revision 0006 made, now from its own file, the definition at head.
    SNAPSHOT.run_sql("triggers/model_before_delete.sql")


def _house_before_downgrade() -> None:
    pass


def _house_after_downgrade() -> None:
    pass
