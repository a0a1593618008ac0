"""Alembic environment for pgchurn.

The database comes from `-x url=...`, else PGCHURN_DATABASE_URL, else the project's local
cluster, and the environment says which one it uses. Offline mode (`alembic upgrade head
--sql`) prints the script for a DBA to review; online mode runs it in one transaction.

The version table is `churn.pgchurn_alembic_version`, or `public.pgchurn_alembic_version` in a
database older than revision 0015, which moves it (pgchurn/version_table.py); online mode looks
where it is, offline mode goes by the starting revision.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import context
from sqlalchemy import Connection, create_engine, pool

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pgchurn import version_table  # noqa: E402
from pgchurn.config import DatabaseChoice, choose_database, sqlalchemy_url  # noqa: E402


def _database() -> DatabaseChoice:
    explicit = context.get_x_argument(as_dictionary=True).get("url")
    if explicit:
        return DatabaseChoice(explicit, "from -x url=...")
    return choose_database(None)


def run_migrations_offline() -> None:
    """Emit SQL to stdout; no database connection is made."""
    choice = _database()
    context.configure(
        url=sqlalchemy_url(choice.url),
        literal_binds=True,
        # pyformat (psycopg2's) would print every % of the SQL doubled, as %%, which psql
        # then runs as written; named binds leave a % alone
        dialect_opts={"paramstyle": "named"},
        version_table=version_table.NAME,
        version_table_schema=_offline_version_schema(),
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def _offline_version_schema() -> str:
    """Where the version table is at the script's starting revision (`--sql FROM:TO`)."""
    start = context.get_starting_revision_argument()
    if start in (None, "base", ()):
        return version_table.LEGACY_SCHEMA
    below = context.script.revision_map.iterate_revisions(start, "base")
    return version_table.schema_after({r.revision for r in below})


def run_migrations_online() -> None:
    """Connect and migrate, all revisions in one transaction."""
    choice = _database()
    print(f"pgchurn: {choice.describe()}", file=sys.stderr)
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        _run_with(connectable)
        return
    engine = create_engine(sqlalchemy_url(choice.url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run_with(connection)


def _run_with(connection: Connection) -> None:
    began = not connection.in_transaction()
    schema = version_table.schema_in(connection)
    if began:
        connection.commit()  # else Alembic would take the autobegun transaction as the caller's
    context.configure(
        connection=connection, version_table=version_table.NAME, version_table_schema=schema
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
