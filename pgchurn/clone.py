"""Repair a schema-only copy of a pgchurn database, the usual way to build staging.

`pg_dump --schema-only` keeps every table, function and trigger but no rows: not the version
row (Alembic then sees base, and revision 0001's `CREATE SCHEMA churn` fails), and not the rows
the migrations write (the PL/Python code, the settings, the role bindings), without which no
complaint is scored. The revision survives in the comment of schema churn
(migrations/schema_mark.py). repair() migrates a scratch database on the same server to that
revision, copies those rows from it and stamps the copy, in one transaction, then drops the
scratch database; `pgchurn migrate` goes on from there as usual.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2
from psycopg2 import sql
from sqlalchemy import create_engine, make_url, pool

from pgchurn import migrate, version_table
from pgchurn.config import sqlalchemy_url
from pgchurn.db import connect
from pgchurn.errors import PgchurnError

# The tables a migration fills; every other table of churn starts empty (tests check this).
INSTALLATION_TABLES = ("plpython_module", "setting", "role_binding")
MARK = re.compile(r"Schema revision (\w+) ")
RECIPE = 'docs/operations.md, "Schema-only clone for staging"'


@dataclass(frozen=True)
class Repair:
    """What repair() did: the revision it found, and the rows it copied per table."""

    revision: str
    rows: dict[str, int]


def is_schema_only_copy(url: str) -> bool:
    """True when schema churn exists but the database holds no version row."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regnamespace('churn') IS NOT NULL")
        (exists,) = cur.fetchone() or (False,)
    return bool(exists) and migrate.current_revision(url) is None


def repair(url: str) -> Repair:
    """Put back the rows a schema-only dump leaves out, and stamp the revision the schema is at."""
    revision = marked_revision(url)
    _check_copy(url, role_names())
    with scratch_database(url) as scratch:
        migrate.upgrade(scratch, revision)
        rows = _copy_and_stamp(scratch, url, revision)
    return Repair(revision, rows)


def marked_revision(url: str) -> str:
    """The revision named in the comment of schema churn."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT obj_description('churn'::regnamespace, 'pg_namespace')")
        (comment,) = cur.fetchone() or (None,)
    found = MARK.search(comment or "")
    if not found:
        raise PgchurnError(
            f"schema churn exists but holds no version row, and its comment ({comment!r}) names "
            "no revision (revisions before 0015 do not): it cannot be repaired; fix: restore a "
            f"full dump instead, or dump a source at revision 0015 or later ({RECIPE})"
        )
    return found.group(1)


def role_names() -> dict[str, str]:
    """The role names migrations/roles.py would use: PGCHURN_*_ROLE, else the defaults."""
    kinds = ("app", "analyst", "deployer")
    return {k: os.environ.get(f"PGCHURN_{k.upper()}_ROLE") or f"pgchurn_{k}" for k in kinds}


def _check_copy(url: str, names: dict[str, str]) -> None:
    with connect(url) as conn, conn.cursor() as cur:
        for table in INSTALLATION_TABLES:
            cur.execute(sql.SQL("SELECT count(*) FROM churn.{}").format(sql.Identifier(table)))
            (count,) = cur.fetchone() or (0,)
            if count:
                raise PgchurnError(
                    f"churn.{table} holds {count} rows but the database no version row: this is "
                    f"not a plain schema-only copy; fix: restore a full dump ({RECIPE})"
                )
        for kind, name in names.items():
            cur.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)"
                " AND has_schema_privilege(%s, 'churn', 'USAGE')",
                (name, name),
            )
            (ok,) = cur.fetchone() or (False,)
            if not ok:
                raise PgchurnError(
                    f"the {kind} role {name!r} does not exist here or has no USAGE on schema "
                    f"churn; fix: create the roles first (pg_dumpall --roles-only), or name the "
                    f"role the copy grants to with PGCHURN_{kind.upper()}_ROLE ({RECIPE})"
                )


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A new, empty database on the same server, dropped afterwards; yields its URL."""
    name = f"pgchurn_repair_{uuid.uuid4().hex[:8]}"
    with connect(url, autocommit=True) as conn, conn.cursor() as cur:
        try:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg2.errors.InsufficientPrivilege as exc:
            raise PgchurnError(
                "repairing a schema-only copy needs a scratch database, and this login may not "
                "CREATE DATABASE; fix: run pgchurn migrate as the superuser that installs pgchurn"
            ) from exc
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with connect(url, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _copy_and_stamp(source: str, target: str, revision: str) -> dict[str, int]:
    """Copy the installation tables from source into target, and stamp target, atomically."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    rows: dict[str, int] = {}
    engine = create_engine(sqlalchemy_url(target), poolclass=pool.NullPool)
    try:
        with engine.begin() as conn, connect(source) as src:
            dst = conn.connection.dbapi_connection
            assert dst is not None
            for table in INSTALLATION_TABLES:
                rows[table] = _copy_table(src, dst, table)
            opts = {
                "version_table": version_table.NAME,
                "version_table_schema": version_table.schema_in(conn),
            }
            ctx = MigrationContext.configure(conn, opts=opts)
            script = ScriptDirectory.from_config(migrate.alembic_config(target))
            ctx.stamp(script, revision)
    finally:
        engine.dispose()
    return rows


def _copy_table(src: psycopg2.extensions.connection, dst: object, table: str) -> int:
    with src.cursor() as cur:
        cur.execute(
            "SELECT array_agg(attname ORDER BY attnum) FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (f"churn.{table}",),
        )
        (columns,) = cur.fetchone() or ([],)
        cols = sql.SQL(", ").join(map(sql.Identifier, columns))
        rel = sql.Identifier("churn", table)
        buf = io.StringIO()
        cur.copy_expert(sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(cols, rel), buf)
    buf.seek(0)
    with dst.cursor() as cur:  # type: ignore[attr-defined]
        cur.copy_expert(sql.SQL("COPY {} ({}) FROM STDIN").format(rel, cols), buf)
        return int(cur.rowcount)
