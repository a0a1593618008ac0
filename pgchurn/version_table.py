"""Where pgchurn's Alembic version table lives: `churn.pgchurn_alembic_version`.

Revisions before 0015 kept it in `public`, where a host application's Alembic autogenerate saw
it and proposed to drop it. Revision 0015 moves it into `churn` (its downgrade moves it back),
so a database still older than 0015 has it in `public`: readers look in `churn` first.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

NAME = "pgchurn_alembic_version"
SCHEMA = "churn"
LEGACY_SCHEMA = "public"  # before revision MOVED_IN, and while Alembic creates it at base
MOVED_IN = "0015"


def schema_in(connection: Any) -> str:
    """The schema of the version table in this database: churn if it is there, else public.

    A database without pgchurn gets it in public too: Alembic creates the table before
    revision 0001 creates schema churn, and revision 0015 moves it.
    """
    found = connection.execute(
        sa.text("SELECT to_regclass(:name) IS NOT NULL"), {"name": f"{SCHEMA}.{NAME}"}
    ).scalar()
    return SCHEMA if found else LEGACY_SCHEMA


def schema_after(revisions: set[str]) -> str:
    """The schema of the version table at a revision, given that revision and its ancestors."""
    return SCHEMA if MOVED_IN in revisions else LEGACY_SCHEMA
