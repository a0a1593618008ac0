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
# Ensembles move their trees into helper functions of about this many characters each, so
# that no single function (and so no single compile() call) grows with the document.
PART_CHARS = 100_000


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
    size: int = 0

    def child(self) -> Emitter:
        """A new emitter for another function, sharing names and constants."""
        return Emitter(counter=self.counter, constants=self.constants)

    def line(self, text: str) -> None:
        """Emit one line at the current indentation."""
        self.lines.append(" " * self.depth + text)
        self.size += self.depth + len(text) + 1

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

    def lines_of(self, other: Emitter, replaced: dict[int, str] | None = None) -> None:
        """Emit `other`'s lines at the current indentation, line i as `replaced[i]` if given."""
        replaced = replaced or {}
        for i, text in enumerate(other.lines):
            if i in replaced:
                text = text[: len(text) - len(text.lstrip(" "))] + replaced[i]
            self.line(text)

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


class Sink:
    """Receives the generated module piece by piece, in module order.

    A piece is whole top-level statements ending in a newline. `part` names the one helper
    function `_partN` a piece defines, if it is one (see Parts): such a piece defines nothing
    else, so a consumer may load it on its own. `explaining()` marks the start of the
    explaining code, and `not_explainable()` drops what was sent since.
    """

    def piece(self, text: str, part: str | None = None) -> None:
        """Take one piece of the module."""
        raise NotImplementedError

    def explaining(self) -> None:
        """The pieces from here on are the explaining code."""
        raise NotImplementedError

    def not_explainable(self) -> None:
        """Drop the explaining code sent so far: the model has no explanation."""
        raise NotImplementedError


class Functions:
    """The generated functions, each sent to the sink once complete, after its constants.

    A function's constants are created while its body is generated, so they are sent first:
    module-level names are looked up when a function runs, so any order would do, but this one
    keeps every piece loadable on its own after the constants before it.
    """

    def __init__(self, sink: Sink, constants: list[str]) -> None:
        self.sink, self.constants = sink, constants

    def append(self, source: str, part: str | None = None) -> None:
        """Send a complete function (after the constants created since the last one)."""
        self.flush()
        self.sink.piece(source, part)

    def flush(self) -> None:
        """Send the constants created since the last piece."""
        if self.constants:
            self.sink.piece("\n".join(self.constants) + "\n")
            self.constants.clear()


class Parts:
    """Splits the statements of a long ensemble function into helper functions.

    Trees are emitted into the function itself until it holds `PART_CHARS` characters, then
    into helpers `def _partN(acc, <params>): ...; return acc`, each called in order from the
    function (`acc = _partN(acc, <params>)`), so the summation order is unchanged.
    """

    def __init__(self, em: Emitter, params: str, functions: Functions) -> None:
        self.em, self.params, self.functions = em, params, functions
        self.part: Emitter | None = None
        self.name = ""

    def target(self) -> Emitter:
        """The emitter the next segment's statements go to."""
        if self.part is None and self.em.size > PART_CHARS:
            self.part = self.em.child()
            self.part.depth = 1
            self.name = self.part.fresh("_part")
        return self.part or self.em

    def segment_done(self) -> None:
        """Close the current helper once it is large enough."""
        if self.part is not None and self.part.size > PART_CHARS:
            self.close()

    def close(self) -> None:
        """Finish the current helper, if any, and call it from the function."""
        part = self.part
        if part is None:
            return
        part.line("return acc")
        source = f"def {self.name}(acc, {self.params}):\n{part.source()}"
        self.functions.append(source, self.name)
        self.em.line(f"acc = {self.name}(acc, {self.params})")
        self.part = None


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
                "add the attribute (sklearn2pmml writes it: export the model again if the "
                "document was edited)",
            )
        )
    return value
