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
