"""`pgchurn demo`: a guided tour that later issues extend."""

from __future__ import annotations

import click
import psycopg2

from pgchurn import cluster as cluster_mod
from pgchurn import migrate
from pgchurn.config import choose_database, redact

INVENTORY = """
SELECT c.relname AS name,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' END AS kind,
       obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'churn' AND c.relkind IN ('r', 'v')
UNION ALL
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', 'function',
       obj_description(p.oid, 'pg_proc')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'churn'
UNION ALL
SELECT t.tgname || ' ON ' || c.relname, 'trigger', obj_description(t.oid, 'pg_trigger')
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'churn' AND NOT t.tgisinternal
ORDER BY 2, 1
"""


def step(text: str) -> None:
    """Print a demo step heading."""
    click.secho(f"\n== {text}", bold=True)


def run(*, explicit_url: str | None) -> None:
    """Run the demo against the chosen database (the local cluster by default)."""
    choice = choose_database(explicit_url)
    click.echo(f"pgchurn demo: {choice.describe()}")
    if choice.url == cluster_mod.local_cluster().url:
        step("1. the project's own PostgreSQL cluster")
        c = cluster_mod.local_cluster()
        if c.init():
            click.echo(f"initialized {c.data_dir}")
        click.echo("started" if c.start() else "already running", nl=False)
        click.echo(
            f" on 127.0.0.1:{c.port}, server OS user: {cluster_mod.server_os_user() or 'you'}"
        )
        if c.create_database():
            click.echo("created database pgchurn")
    step(f"2. alembic upgrade head on {redact(choice.url)}")
    before = migrate.current_revision(choice.url)
    migrate.upgrade(choice.url)
    click.echo(f"revision {before or 'base'} -> {migrate.current_revision(choice.url)}")
    step("3. what schema churn now holds")
    with psycopg2.connect(choice.url) as conn, conn.cursor() as cur:
        cur.execute(INVENTORY)
        for name, kind, comment in cur.fetchall():
            click.echo(f"  {kind:<9} {name:<36} {(comment or '')[:70]}")
    step("next")
    click.echo(f"  psql {choice.url}")
    click.echo("  make test")
