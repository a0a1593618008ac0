"""Client-side database access for the CLI: one connection helper, psycopg2, parameters only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from psycopg2.extensions import connection as Connection


@contextmanager
def connect(url: str, *, autocommit: bool = False) -> Iterator[Connection]:
    """A connection that commits on success, rolls back on error, and always closes."""
    conn = psycopg2.connect(url, application_name="pgchurn")
    conn.autocommit = autocommit
    try:
        yield conn
        if not autocommit:
            conn.commit()
    except BaseException:
        if not autocommit:
            conn.rollback()
        raise
    finally:
        conn.close()
