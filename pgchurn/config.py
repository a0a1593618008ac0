"""One way to name the database: --database-url, else PGCHURN_DATABASE_URL, else local."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

ENV_URL = "PGCHURN_DATABASE_URL"


@dataclass(frozen=True)
class DatabaseChoice:
    """Which database a command uses, and why."""

    url: str
    source: str

    def describe(self) -> str:
        """One line for stderr: the URL without its password, and where it came from."""
        return f"using database {redact(self.url)} ({self.source})"


def choose_database(explicit: str | None = None) -> DatabaseChoice:
    """Resolve the database URL by the project's single rule."""
    if explicit:
        return DatabaseChoice(explicit, "from --database-url")
    env = os.environ.get(ENV_URL)
    if env:
        return DatabaseChoice(env, f"from {ENV_URL}")
    from pgchurn.cluster import local_cluster

    return DatabaseChoice(
        local_cluster().url,
        f"the project's local cluster; set {ENV_URL} or --database-url to use another",
    )


def redact(url: str) -> str:
    """Hide the password in a libpq URL."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def sqlalchemy_url(url: str) -> str:
    """The same URL with the psycopg2 driver named, for SQLAlchemy/Alembic."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url
