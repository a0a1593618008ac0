"""Prepared statements for PL/Python: plans are typed, constant and cached per backend.

No SQL is ever built from strings: each statement is a literal in the calling module, and
values travel as typed parameters.
"""

from __future__ import annotations

import plpy

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from typing import Any

_PLANS: dict[str, Any] = {}

# The cheapest statement that reaches the executor, whose interrupt checks act on a pending
# cancel (statement_timeout, pg_cancel_backend) or terminate (pg_terminate_backend).
INTERRUPT_PROBE = "SELECT 1"


def plan(query: str, types: list[str]) -> Any:
    """The prepared plan for a constant query, prepared once per backend."""
    cached = _PLANS.get(query)
    if cached is None:
        cached = plpy.prepare(query, types)
        _PLANS[query] = cached
    return cached


def execute(query: str, types: list[str], args: list[Any]) -> Any:
    """Run a constant query with typed parameters."""
    return plpy.execute(plan(query, types), args)


def check_interrupts() -> None:
    """Let PostgreSQL act on a pending cancel or terminate request now.

    A cancel raises plpy.SPIError with SQLSTATE 57014 here (never catch it: see
    errors.is_interrupt); a terminate ends the backend. Long pure-Python work calls this
    through the PMML runtime's interrupt hook, since Python loops never reach PostgreSQL's
    own interrupt checks.
    """
    plpy.execute(plan(INTERRUPT_PROBE, []))
