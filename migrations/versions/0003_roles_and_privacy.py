"""Least privilege: app, analyst and deployer roles; score-log retention and purge.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import downgrade_guard
import roles
from alembic import op
from snapshot_ops import Snapshot, execute_sql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_SHA256 = "e920dd72eba2a5ae9ba0344a2bfffe35c53fbfc6dabde3ad669ac62c8e3103c6"
SNAPSHOT = Snapshot("0003", SNAPSHOT_SHA256)
PREVIOUS = Snapshot("0002", "d997ebd810989aba7972e4f1b2a0a1894dd62b16fad10a39b427dc4c4df65895")

PROFILE_ATTRIBUTES = (
    "customer_id, customer_since, tenure_months, contract_type, monthly_charges, total_charges,"
    " payment_method, internet_service, paperless_billing, senior_citizen, has_partner,"
    " has_dependents, phone_service, multiple_lines, online_security, tech_support, streaming_tv,"
    " churned_at"
)
COMPLAINT_COLUMNS = "customer_id, created_at, category, severity, channel, description"

# (role kind, privilege, object): the whole policy, one line per grant.
GRANTS = (
    ("app", "USAGE", "SCHEMA churn"),
    ("app", f"INSERT ({COMPLAINT_COLUMNS})", "TABLE churn.complaint"),
    ("app", "SELECT (complaint_id, customer_id, created_at)", "TABLE churn.complaint"),
    ("app", f"INSERT ({PROFILE_ATTRIBUTES})", "TABLE churn.customer_profile"),
    ("app", f"UPDATE ({PROFILE_ATTRIBUTES})", "TABLE churn.customer_profile"),
    ("app", "SELECT (customer_id)", "TABLE churn.customer_profile"),
    ("analyst", "USAGE", "SCHEMA churn"),
    ("analyst", "SELECT", "TABLE churn.customer_profile"),
    ("analyst", "SELECT", "TABLE churn.complaint"),
    ("analyst", "SELECT", "TABLE churn.score_log"),
    ("analyst", "SELECT", "TABLE churn.scoring_error"),
    ("analyst", "SELECT", "TABLE churn.model"),
    ("analyst", "SELECT", "TABLE churn.model_audit"),
    ("analyst", "SELECT", "TABLE churn.setting"),
    ("analyst", "EXECUTE", "FUNCTION churn.predict(jsonb, bigint)"),
    ("analyst", "EXECUTE", "FUNCTION churn.score_customer(bigint)"),
    ("analyst", "EXECUTE", "FUNCTION churn.explain(bigint)"),
    ("analyst", "EXECUTE", "FUNCTION churn.customer_features(bigint, timestamptz)"),
    ("analyst", "EXECUTE", "FUNCTION churn.feature_frame(timestamptz)"),
    ("deployer", "USAGE", "SCHEMA churn"),
    ("deployer", "SELECT", "TABLE churn.model"),
    ("deployer", "SELECT", "TABLE churn.model_audit"),
    ("deployer", "SELECT", "TABLE churn.rescore_run"),
    (
        "deployer",
        "EXECUTE",
        "FUNCTION churn.register_model(text, text, jsonb, jsonb, jsonb, jsonb, text)",
    ),
    ("deployer", "EXECUTE", "FUNCTION churn.activate_model(bigint)"),
    ("deployer", "EXECUTE", "FUNCTION churn.rollback_model()"),
    ("deployer", "EXECUTE", "FUNCTION churn.retire_model(bigint)"),
    ("deployer", "EXECUTE", "FUNCTION churn.unbindable_fields(bigint)"),
    ("deployer", "EXECUTE", "FUNCTION churn.rescore_batch(integer)"),
    ("deployer", "EXECUTE", "PROCEDURE churn.rescore_all(integer)"),
)
# Functions that PUBLIC could execute before this revision: now only granted roles may.
LOCKED_DOWN = (
    "FUNCTION churn.feature_frame(timestamptz)",
    "FUNCTION churn.customer_features(bigint, timestamptz)",
    "FUNCTION churn.unbindable_fields(bigint)",
)


def upgrade() -> None:
    """Create the roles that are missing, grant each exactly what it needs, add retention."""
    names = roles.names()
    execute_sql(_create_roles(names))
    SNAPSHOT.run_sql("tables/110_role_binding.sql")
    for kind, name in names.items():
        op.execute(
            "INSERT INTO churn.role_binding (role_kind, role_name)"
            f" VALUES ({roles.literal(kind)}, {roles.literal(name)})"
        )
    for obj in LOCKED_DOWN:
        op.execute(f"REVOKE EXECUTE ON {obj} FROM PUBLIC")
    execute_sql(
        """
        INSERT INTO churn.setting (name, value, description) VALUES
            ('score_log_retention_days', '365',
             'churn.purge_score_log() deletes score_log rows older than this many days.');
        """
    )
    SNAPSHOT.install_modules(since=PREVIOUS)
    SNAPSHOT.run_sql(*SNAPSHOT.sql_files("functions/", since=PREVIOUS))
    for kind, privilege, obj in GRANTS:
        op.execute(f"GRANT {privilege} ON {obj} TO {roles.ident(names[kind])}")
    op.execute(
        f"GRANT EXECUTE ON FUNCTION churn.purge_score_log() TO {roles.ident(names['deployer'])}"
    )


def downgrade() -> None:
    """Revoke every grant, restore revision 0002, and drop the roles this revision created.

    A role that still has members, or privileges in another database, is kept, with a notice.
    """
    names = roles.names()
    execute_sql(_check_names(names))
    for name in names.values():
        for kind in ("TABLES", "FUNCTIONS", "PROCEDURES", "SEQUENCES"):
            op.execute(f"REVOKE ALL ON ALL {kind} IN SCHEMA churn FROM {roles.ident(name)}")
        op.execute(f"REVOKE ALL ON SCHEMA churn FROM {roles.ident(name)}")
    op.execute("DROP FUNCTION churn.purge_score_log()")
    op.execute("DELETE FROM churn.setting WHERE name = 'score_log_retention_days'")
    op.execute("DROP TABLE churn.role_binding")
    for obj in LOCKED_DOWN:
        op.execute(f"GRANT EXECUTE ON {obj} TO PUBLIC")
    PREVIOUS.install_modules(since=SNAPSHOT)
    PREVIOUS.run_sql(*PREVIOUS.sql_files("functions/", since=SNAPSHOT))
    execute_sql(_drop_created_roles(names))


def _create_roles(names: dict[str, str]) -> str:
    blocks = [
        f"""
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = {roles.literal(n)}) THEN
            CREATE ROLE {roles.ident(n)} NOLOGIN;
            INSERT INTO churn.installed_object (object_kind, object_name) VALUES ('role', {roles.literal(n)});
        END IF;"""
        for n in names.values()
    ]
    return "DO $$\nBEGIN" + "".join(blocks) + "\nEND\n$$;"


def _check_names(names: dict[str, str]) -> str:
    checks = [
        f"""
        IF NOT EXISTS (SELECT 1 FROM churn.role_binding
                        WHERE role_kind = {roles.literal(k)} AND role_name = {roles.literal(n)}) THEN
            RAISE EXCEPTION 'this database binds a different % role than %', {roles.literal(k)}, {roles.literal(n)}
                USING HINT = {roles.literal(_name_hint(k))};
        END IF;"""
        for k, n in names.items()
    ]
    return "DO $$\nBEGIN" + "".join(checks) + "\nEND\n$$;"


def _drop_created_roles(names: dict[str, str]) -> str:
    drops = [
        f"""
        IF EXISTS (SELECT 1 FROM churn.installed_object
                    WHERE object_kind = 'role' AND object_name = {roles.literal(n)}) THEN
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                         JOIN pg_catalog.pg_roles r ON r.oid = m.roleid AND r.rolname = {roles.literal(n)}) THEN
                RAISE NOTICE 'kept role %: it still has members (%); revoke them, then: DROP ROLE %',
                    {roles.literal(n)},
                    (SELECT string_agg(m.member::regrole::text, ', ' ORDER BY 1)
                       FROM pg_catalog.pg_auth_members m
                       JOIN pg_catalog.pg_roles r ON r.oid = m.roleid AND r.rolname = {roles.literal(n)}),
                    {roles.literal(roles.ident(n))};
            ELSE
                BEGIN
                    DROP ROLE {roles.ident(n)};
                EXCEPTION WHEN dependent_objects_still_exist THEN
                    RAISE NOTICE 'kept role %: it still holds privileges in another database; there, '
                                 'run DROP OWNED BY %, then: DROP ROLE %',
                        {roles.literal(n)}, {roles.literal(roles.ident(n))}, {roles.literal(roles.ident(n))};
                END;
            END IF;
            DELETE FROM churn.installed_object WHERE object_kind = 'role' AND object_name = {roles.literal(n)};
        END IF;"""
        for n in names.values()
    ]
    return "DO $$\nBEGIN" + "".join(drops) + "\nEND\n$$;"


def _name_hint(kind: str) -> str:
    return "downgrade with the names used at upgrade: " + downgrade_guard.typed(
        f"-x {kind}_role=NAME", f"PGCHURN_{kind.upper()}_ROLE=NAME pgchurn migrate --down ..."
    )
