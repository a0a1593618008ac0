"""Alembic, driven from Python: the same revisions `alembic upgrade head` runs."""

from __future__ import annotations

import argparse
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from pgchurn import version_table
from pgchurn.cluster import project_root
from pgchurn.config import sqlalchemy_url


def alembic_config(url: str, x: dict[str, str] | None = None) -> Config:
    """An Alembic Config for this checkout, aimed at `url`, as if given `-x url=... -x k=v`."""
    root = project_root()
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "migrations"))
    extra = [f"{k}={v}" for k, v in (x or {}).items()]
    cfg.cmd_opts = argparse.Namespace(x=[f"url={url}", *extra])
    return cfg


def upgrade(url: str, target: str = "head", *, x: dict[str, str] | None = None) -> None:
    """Upgrade the database to `target`; `x` holds extra -x settings such as role names."""
    command.upgrade(alembic_config(url, x), target)


def downgrade(url: str, target: str, *, x: dict[str, str] | None = None) -> list[str]:
    """Downgrade the database to `target` (a revision, `base` or `-1`); return its notices.

    `x` may hold drop_data=yes (allow dropping customers and complaints) and via=pgchurn (hints
    in the CLI's syntax), besides role names.
    """
    with _notices() as notices:
        command.downgrade(alembic_config(url, x), target)
    return notices


@contextmanager
def _notices() -> Iterator[list[str]]:
    """Collect the server's NOTICEs, which SQLAlchemy's psycopg2 dialect logs at INFO."""
    found: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: found.append(  # type: ignore[method-assign]
        record.getMessage().removeprefix("NOTICE:").strip()
    )
    logger = logging.getLogger("sqlalchemy.dialects.postgresql")
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield found
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def offline_sql(
    url: str, target: str = "head", *, start: str | None = None, down: bool = False
) -> str:
    """The SQL script `alembic upgrade [start:]target --sql` prints.

    With `down`, the downgrade script from `start` (default head) to `target`, as
    `alembic downgrade start:target --sql` prints it. No database is touched.
    """
    buf = io.StringIO()
    cfg = alembic_config(url)
    with redirect_stdout(buf):
        if down:
            command.downgrade(cfg, f"{start or 'head'}:{target}", sql=True)
        else:
            command.upgrade(cfg, f"{start}:{target}" if start else target, sql=True)
    return buf.getvalue()


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None when unmigrated."""
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            opts = {"version_table": version_table.NAME}
            opts["version_table_schema"] = version_table.schema_in(conn)
            ctx = MigrationContext.configure(conn, opts=opts)
            return ctx.get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision in migrations/versions."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused/unused"))
    head = script.get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head
