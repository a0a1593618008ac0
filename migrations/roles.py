"""The three group roles of pgchurn, and their names. Keep this module backwards compatible.

Names come from `-x app_role=... -x analyst_role=... -x deployer_role=...`, else from
PGCHURN_APP_ROLE / PGCHURN_ANALYST_ROLE / PGCHURN_DEPLOYER_ROLE, else the defaults
pgchurn_app, pgchurn_analyst and pgchurn_deployer. Downgrade must be given the same names.
The owner of pgchurn's objects (revision 0015) is named the same way: `-x owner_role=...`,
else PGCHURN_OWNER_ROLE, else pgchurn_owner; it is not one of KINDS, which older revisions
create and bind.
Statements are rendered here with the dialect's identifier quoting, so the database never
builds SQL from strings.
"""

from __future__ import annotations

import os

from alembic import context, op

KINDS = ("app", "analyst", "deployer")


def names() -> dict[str, str]:
    """The configured role name of each kind."""
    x = context.get_x_argument(as_dictionary=True)
    return {
        kind: x.get(f"{kind}_role")
        or os.environ.get(f"PGCHURN_{kind.upper()}_ROLE")
        or f"pgchurn_{kind}"
        for kind in KINDS
    }


def owner_name() -> str:
    """The configured name of the NOLOGIN role that owns pgchurn's objects (revision 0015)."""
    x = context.get_x_argument(as_dictionary=True)
    return x.get("owner_role") or os.environ.get("PGCHURN_OWNER_ROLE") or "pgchurn_owner"


def ident(name: str) -> str:
    """A quoted identifier."""
    return str(op.get_context().dialect.identifier_preparer.quote_identifier(name))


def literal(text: str) -> str:
    """A quoted string literal."""
    return "'" + text.replace("'", "''") + "'"


# Every object of schema churn but the version table, handed to the owner role (revision 0015;
# later revisions hand over what they create). Partitions and views are relations too.
OWNERSHIP = """
DO $$
DECLARE
    target name := {target};
    source name := {source};
    o record;
BEGIN
    FOR o IN
        SELECT 'TABLE' AS kind, c.oid::regclass::text AS name FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'churn'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND c.relname <> 'pgchurn_alembic_version'
           AND (source IS NULL OR c.relowner = source::regrole) AND c.relowner <> target::regrole
        UNION ALL
        SELECT 'SEQUENCE', c.oid::regclass::text FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'churn'::regnamespace AND c.relkind = 'S'
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.deptype IN ('a', 'i'))
           AND (source IS NULL OR c.relowner = source::regrole) AND c.relowner <> target::regrole
        UNION ALL
        SELECT 'TYPE', t.oid::regtype::text FROM pg_catalog.pg_type t
          JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
         WHERE t.typnamespace = 'churn'::regnamespace
           AND (source IS NULL OR t.typowner = source::regrole) AND t.typowner <> target::regrole
        UNION ALL
        SELECT 'ROUTINE', p.oid::regprocedure::text FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'churn'::regnamespace
           AND (source IS NULL OR p.proowner = source::regrole) AND p.proowner <> target::regrole
    LOOP
        EXECUTE pg_catalog.format('ALTER %s %s OWNER TO %I', o.kind, o.name, target);
    END LOOP;
END
$$;
"""


def hand_over(target: str, source: str | None = None) -> None:
    """ALTER ... OWNER TO target for every churn object (of `source` only, when given)."""
    from snapshot_ops import execute_sql

    execute_sql(
        OWNERSHIP.format(
            target=literal(target), source="NULL" if source is None else literal(source)
        )
    )
