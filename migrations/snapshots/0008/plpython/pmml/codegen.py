"""The source emitter and the compile-time view of fields (`Var`, `Scope`).

Generated code keeps every field value in a Python local: a float (numeric), a str
(categorical string) or None (missing). `Var.missing` records whether None is possible, so
that checks for missing values are only generated where a value can actually be missing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .errors import InvalidDocument, at
from .xmlsafe import Element

NUMERIC_TYPES = frozenset({"double", "float", "integer"})
MAX_INDENT = 90  # CPython's tokenizer allows 100 levels of indentation


@dataclass(frozen=True)
class Var:
    """A PMML field as a Python local of the generated code."""

    name: str
    dtype: str
    optype: str
    missing: bool
    values: tuple[object, ...] | None = None
    origin: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        """True for double, float and integer fields."""
        return self.dtype in NUMERIC_TYPES


Scope = dict[str, Var]


def literal(value: object) -> str:
    """A Python literal that round-trips exactly (floats via repr)."""
    if isinstance(value, float):
        if math.isinf(value):
            return "_math.inf" if value > 0 else "-_math.inf"
        return repr(value)
    return repr(value)


@dataclass
class Emitter:
    """Accumulates generated source lines with indentation and fresh names."""

    lines: list[str] = field(default_factory=list)
    depth: int = 0
    counter: list[int] = field(default_factory=lambda: [0])
    constants: list[str] = field(default_factory=list)

    def child(self) -> Emitter:
        """A new emitter for another function, sharing names and constants."""
        return Emitter(counter=self.counter, constants=self.constants)

    def line(self, text: str) -> None:
        """Emit one line at the current indentation."""
        self.lines.append(" " * self.depth + text)

    @contextmanager
    def block(self, header: str, where: Element | None = None) -> Iterator[None]:
        """Emit `header` and indent what is emitted inside the `with`."""
        self.line(header)
        self.depth += 1
        if self.depth > MAX_INDENT:
            path = where.path if where is not None else "/"
            raise InvalidDocument(
                at(path, "nesting too deep for generated Python code", "use shallower trees")
            )
        try:
            yield
        finally:
            self.depth -= 1

    def fresh(self, prefix: str) -> str:
        """A new unique identifier."""
        self.counter[0] += 1
        return f"{prefix}{self.counter[0]}"

    def constant(self, prefix: str, value_source: str) -> str:
        """A module-level constant; returns its name."""
        name = self.fresh(prefix)
        self.constants.append(f"{name} = {value_source}")
        return name

    def source(self) -> str:
        """The emitted lines as one string."""
        return "\n".join(self.lines) + "\n"


def lookup(scope: Scope, name: str | None, element: Element) -> Var:
    """The Var of a field referenced by `element`, or InvalidDocument."""
    if name is None or name not in scope:
        raise InvalidDocument(
            at(
                element.path,
                f"<{element.tag}> refers to unknown field {name!r}",
                "declare the field in the DataDictionary or a DerivedField before using it",
            )
        )
    return scope[name]


def required(element: Element, name: str) -> str:
    """An attribute that must be present."""
    value = element.get(name)
    if value is None:
        raise InvalidDocument(
            at(
                element.path,
                f"<{element.tag}> lacks the required attribute {name}",
                "export the model again",
            )
        )
    return value
