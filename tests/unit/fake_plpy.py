"""A stand-in for PL/Python's `plpy` module, for the fast unit tests of plpython/.

It records prepared plans and executions; the real server is exercised by tests/db.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any


class SPIError(Exception):
    """Mirror of plpy.SPIError."""


class Error(Exception):
    """Raised by fake plpy.error()."""


@dataclass
class Plan:
    query: str
    types: list[str]


@dataclass
class FakePlpy:
    prepared: list[Plan] = field(default_factory=list)
    executed: list[tuple[Any, list[Any] | None]] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)

    def prepare(self, query: str, types: list[str] | None = None) -> Plan:
        plan = Plan(query, list(types or []))
        self.prepared.append(plan)
        return plan

    def execute(self, query: Any, args: list[Any] | None = None, limit: int = 0) -> Any:
        self.executed.append((query, args))
        return self.results.pop(0) if self.results else []

    def error(self, msg: str, **kw: Any) -> None:
        raise Error(msg)

    def subtransaction(self) -> Any:
        import contextlib

        return contextlib.nullcontext()

    def as_module(self) -> types.ModuleType:
        mod = types.ModuleType("plpy")
        for name in ("prepare", "execute", "error", "subtransaction"):
            setattr(mod, name, getattr(self, name))
        mod.SPIError = SPIError  # type: ignore[attr-defined]
        mod.Error = Error  # type: ignore[attr-defined]
        return mod


def install(monkeypatch: Any) -> FakePlpy:
    """Put a fresh fake plpy into sys.modules and drop cached plpython modules that import it."""
    fake = FakePlpy()
    monkeypatch.setitem(sys.modules, "plpy", fake.as_module())
    # Drop the package and its database-facing modules, so that they import the new fake
    # (a cached parent package would hand out its old submodules to `from . import db`).
    for name in [m for m in sys.modules if m.startswith("pgchurn.plpython")]:
        if not name.startswith("pgchurn.plpython.pmml"):
            monkeypatch.delitem(sys.modules, name)
    return fake
