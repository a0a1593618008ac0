"""The `pgchurn` command line."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pgchurn import cluster as cluster_mod
from pgchurn.config import choose_database, redact
from pgchurn.errors import PgchurnError


def _fail(message: str) -> None:
    click.echo(f"pgchurn: error: {message}", err=True)
    sys.exit(1)


def report_user_errors(
    fn: Callable[[], Any], command: Callable[[], str | None] = lambda: None
) -> Any:
    """Run fn; print a user error as one line and exit 1, never a traceback.

    A permission error also names the role that `command()` (the command typed) needs.
    """
    import psycopg2
    import sqlalchemy.exc
    from alembic.util.exc import CommandError

    try:
        return fn()
    except (PgchurnError, CommandError) as exc:
        _fail(_with_permission_fix(str(exc), command()))
    except sqlalchemy.exc.DBAPIError as exc:
        _fail_db(exc.orig if isinstance(exc.orig, psycopg2.Error) else exc, command())
    except psycopg2.Error as exc:
        _fail_db(exc, command())


def _fail_db(exc: BaseException, command: str | None = None) -> None:
    import psycopg2

    text = str(exc).strip()
    first = text.splitlines()[0] if text else repr(exc)
    if isinstance(exc, psycopg2.OperationalError) and "connect" in text:
        _fail(f"cannot connect: {first}; fix: run `pgchurn db up` or set PGCHURN_DATABASE_URL")
    hint = getattr(getattr(exc, "diag", None), "message_hint", None)
    _fail(_with_permission_fix(f"{first}" + (f" (hint: {hint})" if hint else ""), command))


def _with_permission_fix(message: str, command: str | None) -> str:
    """The message, and for a refused privilege ("permission denied ..."), the role to use."""
    from pgchurn.command_roles import permission_fix

    if "permission denied" not in message or "fix:" in message:
        return message
    return f"{message}; {permission_fix(command)}"


COMMAND_KEY = "pgchurn.command"  # in click's ctx.meta: the command typed, for error fixes


class PgchurnGroup(click.Group):
    """The root group: every subcommand's user errors become one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        """Invoke the subcommand under the error reporter."""
        return report_user_errors(
            lambda: super(PgchurnGroup, self).invoke(ctx), lambda: ctx.meta.get(COMMAND_KEY)
        )

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Resolve as click does, and remember the command typed (`models list`) for errors."""
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None:
            words = [cmd.name or ""]
            if isinstance(cmd, click.Group) and rest and not rest[0].startswith("-"):
                words.append(rest[0])
            ctx.meta[COMMAND_KEY] = " ".join(words)
        return name, cmd, rest


class Ctx:
    """State shared by subcommands: the database choice."""

    def __init__(self, database_url: str | None) -> None:
        """Remember the explicit URL, if any."""
        self.explicit_url = database_url

    def url(self, *, announce: bool = True) -> str:
        """Resolve the database, and say on stderr which one is used."""
        choice = choose_database(self.explicit_url)
        if announce:
            click.echo(f"pgchurn: {choice.describe()}", err=True)
        return choice.url

    def migrated_url(self) -> str:
        """Like url(), and refuse a database that is not migrated to this checkout's head."""
        from pgchurn import migrate

        url = self.url()
        current, head = migrate.current_revision(url), migrate.head_revision()
        if current != head:
            raise PgchurnError(
                f"the database is at revision {current or 'base'} but this pgchurn needs {head}; "
                "fix: pgchurn migrate"
            )
        return url


pass_ctx = click.make_pass_decorator(Ctx)


@click.group(cls=PgchurnGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    metavar="URL",
    help="Database to use. Default: $PGCHURN_DATABASE_URL, else the local cluster in .pgchurn/.",
)
@click.version_option(package_name="pgchurn")
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """Churn scoring that lives inside PostgreSQL.

    \b
    Examples:
      pgchurn db up            start the project's own PostgreSQL (.pgchurn/, port 54329)
      pgchurn migrate          install or upgrade schema churn with Alembic
      pgchurn demo             everything above, then show what was installed

    \b
    Exit codes: 0 healthy, 1 error, 2 usage error, 3 a monitoring breach (pgchurn monitor).
    Every command, every option: docs/cli.md (pgchurn dev cli-reference writes it).
    """
    ctx.obj = Ctx(database_url)


# ---------------------------------------------------------------------------- db
@main.group()
def db() -> None:
    """Manage the project's local PostgreSQL cluster under .pgchurn/.

    It listens on 127.0.0.1 on its own port ($PGCHURN_PORT, default 54329) and never touches
    the system cluster. As root, the server runs as the OS user `postgres`.
    """


@db.command("up")
def db_up() -> None:
    """Create (initdb) and start the local cluster, and create database pgchurn.

    Example: pgchurn db up
    """
    c = cluster_mod.local_cluster()
    user = cluster_mod.server_os_user() or os.environ.get("USER", "the current user")
    if c.init():
        click.echo(f"initialized cluster in {c.data_dir} (server runs as OS user {user})")
    if c.start():
        click.echo(f"started PostgreSQL 15 on 127.0.0.1:{c.port} (log: {c.log_file})")
    else:
        click.echo(f"PostgreSQL already running on 127.0.0.1:{c.port}")
    if c.create_database():
        click.echo("created database pgchurn")
    click.echo(f"database URL: {c.url}")


@db.command("down")
def db_down() -> None:
    """Stop the local cluster (its data stays in .pgchurn/).

    Example: pgchurn db down
    """
    c = cluster_mod.local_cluster()
    click.echo("stopped PostgreSQL" if c.stop() else "PostgreSQL was not running")


@db.command("status")
def db_status() -> None:
    """Show where the local cluster lives, whether it runs, and its migration revision.

    Example: pgchurn db status
    """
    from pgchurn import migrate

    c = cluster_mod.local_cluster()
    click.echo(
        f"data directory: {c.base / 'data'}" + (" (not initialized)" if not c.initialized() else "")
    )
    click.echo(f"port:           {c.port}")
    click.echo(f"server OS user: {cluster_mod.server_os_user() or os.environ.get('USER', '?')}")
    running = c.running()
    click.echo(f"running:        {'yes' if running else 'no'}")
    click.echo(f"database URL:   {c.url}")
    if running:
        rev = migrate.current_revision(c.url) or "none (run: pgchurn migrate)"
        click.echo(f"revision:       {rev} (head: {migrate.head_revision()})")


@db.command("psql", context_settings={"ignore_unknown_options": True})
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
@pass_ctx
def db_psql(ctx: Ctx, psql_args: tuple[str, ...]) -> None:
    """Open psql on the chosen database; extra arguments go to psql.

    Example: pgchurn db psql -c 'SELECT count(*) FROM churn.customer_profile'
    """
    url = ctx.url()
    psql = shutil.which("psql") or str(cluster_mod.PG_BIN / "psql")
    os.execvp(psql, [psql, url, *psql_args])


# ---------------------------------------------------------------------------- migrate
@main.command()
@click.option("--to", "target", default="head", show_default=True, help="Revision to upgrade to.")
@click.option("--down", "down_to", metavar="REV", help="Downgrade to REV instead (base, -1, 0001).")
@click.option(
    "--drop-data",
    is_flag=True,
    help="Let --down base drop churn.customer_profile and churn.complaint with their rows.",
)
@click.option(
    "--sql", "offline", is_flag=True, help="Print the SQL for a DBA to review; change nothing."
)
@click.option(
    "--from",
    "start",
    metavar="REV",
    help="With --sql: the revision the database is at (default: base, or head with --down).",
)
@pass_ctx
def migrate(
    ctx: Ctx, target: str, down_to: str | None, drop_data: bool, offline: bool, start: str | None
) -> None:
    """Upgrade (or downgrade) schema churn with the Alembic revisions in migrations/.

    On a schema-only copy (pg_dump --schema-only, restored), it first puts back the code,
    settings and version row of the revision the schema is at (docs/operations.md).
    A downgrade to base refuses while customers or complaints hold rows, unless --drop-data.

    \b
    Examples:
      pgchurn migrate                                upgrade to head
      pgchurn migrate --sql > up.sql                 the whole script, for review
      pgchurn migrate --sql --from 0014 > up.sql     only what a database at 0014 needs
      pgchurn migrate --down 0014 --sql > down.sql   the downgrade script from head to 0014
      pgchurn migrate --down base                    remove everything pgchurn installed (no data)
    """
    from pgchurn import migrate as mig

    if start and not offline:
        raise click.UsageError(
            f"--from {start} needs --sql; online, the database's own revision is the start"
        )
    url = ctx.url(announce=not offline)
    if offline:
        if down_to:
            click.echo(f"pgchurn: downgrade script {start or 'head'} -> {down_to}", err=True)
        click.echo(
            mig.offline_sql(url, down_to or target, start=start, down=bool(down_to)), nl=False
        )
        return
    before = mig.current_revision(url)
    if down_to:
        x = {"via": "pgchurn", **({"drop_data": "yes"} if drop_data else {})}
        for notice in mig.downgrade(url, down_to, x=x):
            click.echo(f"pgchurn: {notice}", err=True)
    else:
        before = _repair_schema_only_copy(url) or before
        mig.upgrade(url, target)
    after = mig.current_revision(url)
    click.echo(f"migrated {redact(url)}: {before or 'base'} -> {after or 'base'}")


def _repair_schema_only_copy(url: str) -> str | None:
    """Repair a schema-only copy before upgrading it; its revision, or None if it is none."""
    from pgchurn import clone

    if not clone.is_schema_only_copy(url):
        return None
    done = clone.repair(url)
    copied = ", ".join(f"{n} rows of churn.{t}" for t, n in done.rows.items())
    click.echo(
        f"repaired a schema-only copy at revision {done.revision}: copied {copied} (the settings"
        " at their defaults) and stamped the version"
    )
    return done.revision


# ---------------------------------------------------------------------------- dev
@main.group()
def dev() -> None:
    """Tools for pgchurn developers."""


@dev.command("snapshot")
@click.argument("revision")
@click.option("--force", is_flag=True, help="Replace the snapshot of a revision that never landed.")
@click.option(
    "--exclude",
    multiple=True,
    metavar="sql/PATH",
    help="Leave out an SQL file that a later, also unlanded, revision introduces.",
)
def dev_snapshot(revision: str, force: bool, exclude: tuple[str, ...]) -> None:
    """Freeze plpython/ and sql/ into migrations/snapshots/REVISION and pin it in the revision.

    Example: pgchurn dev snapshot 0002
    """
    from pgchurn.codebundle import current_bundle, remove_snapshot, write_snapshot

    root = cluster_mod.project_root()
    dest = root / "migrations" / "snapshots" / revision
    if dest.exists() and force:
        remove_snapshot(dest)
    sha = write_snapshot(current_bundle(root, exclude=frozenset(exclude)), dest)
    _pin_snapshot(root / "migrations" / "versions", revision, sha)
    click.echo(f"froze {dest.relative_to(root)} (MANIFEST sha256 {sha})")


@dev.command("cli-reference")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write. Default: docs/cli.md of this checkout.",
)
def dev_cli_reference(output: Path | None) -> None:
    """Write the command reference (docs/cli.md) from every command's --help.

    Example: pgchurn dev cli-reference
    """
    from pgchurn.cli_reference import render

    path = output or cluster_mod.project_root() / "docs" / "cli.md"
    path.write_text(render(main), encoding="utf-8")
    click.echo(f"wrote {path}")


def _pin_snapshot(versions: Path, revision: str, sha: str) -> None:
    """Pin a snapshot's manifest sha256 in its revision and in later revisions' PREVIOUS."""
    own = re.compile(r'^SNAPSHOT_SHA256 = "[0-9a-f]{64}"$', re.M)
    pinned = re.compile(rf'Snapshot\("{re.escape(revision)}", "[0-9a-f]{{64}}"\)')
    owner = None
    for path in sorted(versions.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if f'Snapshot("{revision}", SNAPSHOT_SHA256)' in text:
            if not own.search(text):
                raise PgchurnError(f'{path.name}: write SNAPSHOT_SHA256 = "{"0" * 64}" first')
            text = own.sub(f'SNAPSHOT_SHA256 = "{sha}"', text)
            owner = path
        text = pinned.sub(f'Snapshot("{revision}", "{sha}")', text)
        path.write_text(text, encoding="utf-8")
    if owner is None:
        raise PgchurnError(
            f'no revision declares Snapshot("{revision}", SNAPSHOT_SHA256); write it first'
        )


# ---------------------------------------------------------------------------- demo
@main.command()
@click.option(
    "--yes",
    is_flag=True,
    help="Run on a database other than the local demo cluster, and replace its data.",
)
@pass_ctx
def demo(ctx: Ctx, yes: bool) -> None:
    """Start the local cluster, migrate it, seed it and show what pgchurn does.

    It REPLACES the customers, complaints and models of the database it runs on, so it runs only
    on the local demo cluster (.pgchurn/) unless given --yes.

    Example: pgchurn demo
    """
    from pgchurn import demo as demo_mod

    demo_mod.run(explicit_url=ctx.explicit_url, replace_any=yes)


def _register_subcommands() -> None:
    from pgchurn.example_data import example_data_command
    from pgchurn.models_cli import models
    from pgchurn.monitor_cli import monitor_command
    from pgchurn.relay_cli import relay_command
    from pgchurn.report_cli import report_command
    from pgchurn.rescore_cli import rescore_command
    from pgchurn.retrain import retrain_command
    from pgchurn.seed import seed_command
    from pgchurn.train.cli import train_command

    main.add_command(models)
    main.add_command(train_command)
    main.add_command(seed_command)
    main.add_command(rescore_command)
    main.add_command(monitor_command)
    main.add_command(retrain_command)
    main.add_command(report_command)
    main.add_command(relay_command)
    main.add_command(example_data_command)


_register_subcommands()
