"""Errors raised inside the database, with the SQLSTATE, detail and hint the caller sees."""

from __future__ import annotations

import plpy

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from typing import Any, NoReturn

INVALID_PARAMETER = "22023"  # invalid_parameter_value
NO_DATA = "P0002"  # no_data_found
OPERATOR_INTERVENTION = "57"  # class 57: query_canceled 57014, admin_shutdown 57P01, ...


def refuse(message: str, *, hint: str | None = None, detail: str | None = None) -> NoReturn:
    """Abort the statement with a user error (SQLSTATE 22023) that names the problem and fix."""
    plpy.error(message, sqlstate=INVALID_PARAMETER, **_extra(hint=hint, detail=detail))


def not_found(message: str, *, hint: str | None = None) -> NoReturn:
    """Abort the statement because a row it needs does not exist (SQLSTATE P0002)."""
    plpy.error(message, sqlstate=NO_DATA, **_extra(hint=hint))


def is_interrupt(exc: BaseException) -> bool:
    """True for a cancel or shutdown (SQLSTATE class 57): re-raise it, never swallow it."""
    sqlstate = getattr(exc, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(OPERATOR_INTERVENTION)


def _extra(**fields: str | None) -> dict[str, Any]:
    """Only the fields that are set: plpy would print a missing one as the word None."""
    return {k: v for k, v in fields.items() if v is not None}


def notice(message: str) -> None:
    """Tell the caller something worth knowing without failing (a NOTICE)."""
    plpy.notice(message)
