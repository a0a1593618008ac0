"""Typed constants read from a document: numbers checked for sanity, float32 rounding."""

from __future__ import annotations

import math

from .codegen import NUMERIC_TYPES
from .errors import InvalidDocument, UnsafeDocument, UnsupportedElement, at
from .numbers import float32, is_sane, parse_number
from .xmlsafe import Element


def number(text: str | None, element: Element, what: str, *, allow_inf: bool = False) -> float:
    """A number from the document: finite and within +-1e300 (or +-INF where allowed)."""
    if text is None:
        raise InvalidDocument(
            at(element.path, f"{what} is missing", f"give the element its {what}")
        )
    value = parse_number(text)
    if value is None:
        raise InvalidDocument(
            at(
                element.path,
                f"{what}={text[:40]!r} is not a number",
                "write it as a decimal number such as 0.25 or 1E-6",
            )
        )
    spelled_inf = text.strip().lstrip("+-") == "INF"
    if not is_sane(value) and not (allow_inf and spelled_inf):
        raise UnsafeDocument(
            at(
                element.path,
                f"{what}={text[:40]!r} is not a finite number within +-1e300",
                "export the model again; its parameters are broken",
            )
        )
    return value


def typed(
    text: str | None, dtype: str, element: Element, what: str, *, allow_inf: bool = False
) -> float | str:
    """A document value converted to a field's data type (float32-rounded for `float`)."""
    if dtype not in NUMERIC_TYPES:
        if text is None:
            raise InvalidDocument(
                at(element.path, f"{what} is missing", f"give the element its {what}")
            )
        return text
    value = number(text, element, what, allow_inf=allow_inf)
    if dtype == "integer" and not value.is_integer() and math.isfinite(value):
        raise InvalidDocument(
            at(
                element.path,
                f"{what}={text!r} is not an integer",
                'write a whole number, or declare the field dataType="double"',
            )
        )
    return float32(value) if dtype == "float" else value


def choice(element: Element, name: str, default: str, supported: tuple[str, ...]) -> str:
    """An enumerated attribute; values outside `supported` are refused."""
    value = element.get(name, default) or default
    if value not in supported:
        raise UnsupportedElement(
            at(
                element.path,
                f"{name}={value!r} of <{element.tag}> is not supported "
                f"(supported: {', '.join(supported)})",
                "export the model with a supported value",
            )
        )
    return value
