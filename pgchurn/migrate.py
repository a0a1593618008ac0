"""Alembic, driven from Python: the same revisions `alembic upgrade head` runs."""

from __future__ import annotations

import argparse
import io
from contextlib import redirect_stdout

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from pgchurn.cluster import project_root
from pgchurn.config import sqlalchemy_url

VERSION_TABLE = "pgchurn_alembic_version"


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
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            cfg = alembic_config(url, x)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, target)
            conn.commit()
            raw = conn.connection.dbapi_connection
            notices = list(getattr(raw, "notices", []))
    finally:
        engine.dispose()
    return [n.strip().removeprefix("NOTICE:").strip() for n in notices]


def offline_sql(url: str, target: str = "head") -> str:
    """The SQL script `alembic upgrade <target> --sql` prints."""
    buf = io.StringIO()
    with redirect_stdout(buf):
        command.upgrade(alembic_config(url), target, sql=True)
    return buf.getvalue()


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None when unmigrated."""
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            return ctx.get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision in migrations/versions."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused/unused"))
    head = script.get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head
