"""Helpers the generated scoring code calls: input conversion, float32, logistic, errors.

`load_compiled` execs generated source in a namespace holding exactly these names, so the
cached source needs no import and never touches the XML.
"""

from __future__ import annotations

import math
import struct
import sys

from .errors import InvalidInput, NoPrediction
from .numbers import float32, parse_number

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from collections.abc import Callable
    from decimal import Decimal
    from typing import Any, TypeGuard


class Invalid:
    """An input value PMML calls invalid; `value` is what `asIs` would use (or None)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def _is_decimal(value: object) -> TypeGuard[Decimal]:
    """isinstance(value, decimal.Decimal), without importing decimal (~5 ms) to ask.

    Nothing can be a Decimal before the decimal module is loaded (PL/Python loads it to pass a
    numeric), so a backend that never sees one never pays for the import.
    """
    decimal = sys.modules.get("decimal")
    return decimal is not None and isinstance(value, decimal.Decimal)


def _number(value: object) -> float | None | Invalid:
    if value is None:
        return None
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return Invalid(None)
    if _is_decimal(value):
        return None if value.is_nan() else float(value)
    if isinstance(value, str):
        number = parse_number(value)
        return Invalid(None) if number is None else number
    return Invalid(None)


def num(value: object, integer: bool) -> float | None | Invalid:
    """Convert an input to a PMML number: float, None (missing) or Invalid.

    NaN is missing (as in pandas and scikit-learn); infinities and, for integer fields,
    fractions are invalid.
    """
    number = _number(value)
    if number is None or isinstance(number, Invalid):
        return number
    if number != number:
        return None
    if number - number != 0.0 or (integer and not number.is_integer()):
        return Invalid(number)
    return number


def cat(value: object, valid: frozenset[Any] | None, missing: frozenset[Any], numeric: bool) -> Any:
    """Convert an input to a categorical value: the value, None (missing) or Invalid."""
    if numeric:
        converted: Any = num(value, False)
        if converted is None or isinstance(converted, Invalid):
            return converted
    elif value is None or ((isinstance(value, float) or _is_decimal(value)) and value != value):
        return None
    else:
        converted = value if isinstance(value, str) else str(value)
    if converted in missing:
        return None
    if valid is not None and converted not in valid:
        return Invalid(converted)
    return converted


def f32(value: float) -> float:
    """Round to float32 like numpy (beyond range: infinity)."""
    return float32(value)


def f32_struct(n: int) -> tuple[Callable[..., bytes], Callable[[bytes], tuple[Any, ...]]]:
    """pack/unpack callables that round `n` doubles to float32 in one call each."""
    packer = struct.Struct(f"{n}f")
    return packer.pack, packer.unpack


def logistic(x: float) -> float:
    """1 / (1 + exp(-x)), as scipy's expit, without OverflowError."""
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:
        return 0.0


def exp(x: float) -> float:
    """math.exp, but an overflow is an invalid result."""
    try:
        return math.exp(x)
    except OverflowError:
        raise InvalidInput(f"exp({x!r}) overflows") from None


def invalid(field: str, value: object) -> InvalidInput:
    """The error for an invalid input whose MiningField says returnInvalid."""
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return InvalidInput(
        f"field {field!r}: invalid value {shown}; the model's MiningField has "
        "invalidValueTreatment=returnInvalid. Send a value the DataDictionary allows"
    )


def no_prediction(where: str, why: str) -> NoPrediction:
    """The error for a model that PMML says yields no prediction for this record."""
    return NoPrediction(f"{where}: no prediction because {why}")


def function_error(name: str, args: tuple[Any, ...]) -> InvalidInput:
    """The error for a built-in function whose result PMML calls invalid."""
    return InvalidInput(f"function {name}{args!r} has no valid result")


NAMESPACE: dict[str, Any] = {
    "_num": num,
    "_cat": cat,
    "_Invalid": Invalid,
    "_f32": f32,
    "_f32_struct": f32_struct,
    "_logistic": logistic,
    "_exp": exp,
    "_invalid": invalid,
    "_nopred": no_prediction,
    "_fnerr": function_error,
    "_math": math,
    "InvalidInput": InvalidInput,
}


def _checked(name: str, function: Callable[..., float]) -> Callable[..., float]:
    def call(*args: float) -> float:
        try:
            result = function(*args)
        except (ValueError, OverflowError, ZeroDivisionError):
            raise function_error(name, args) from None
        return float(result)

    call.__name__ = f"fn_{name}"
    return call


def norm_continuous(
    x: float, orig: tuple[float, ...], norm: tuple[float, ...], outliers: str
) -> Any:
    """Piecewise-linear NormContinuous, with the outliers treatment of PMML."""
    last = len(orig) - 1
    if x < orig[0] or x > orig[last]:
        if outliers == "asMissingValues":
            return None
        if outliers == "asExtremeValues":
            return norm[0] if x < orig[0] else norm[last]
    i = 0
    while i < last - 1 and x > orig[i + 1]:
        i += 1
    return norm[i] + (x - orig[i]) * (norm[i + 1] - norm[i]) / (orig[i + 1] - orig[i])


FUNCTIONS: dict[str, Callable[..., float]] = {
    "/": _checked("/", lambda a, b: a / b),
    "ln": _checked("ln", math.log),
    "log10": _checked("log10", math.log10),
    "sqrt": _checked("sqrt", math.sqrt),
    "pow": _checked("pow", math.pow),
    "floor": _checked("floor", math.floor),
    "ceil": _checked("ceil", math.ceil),
    "exp": exp,
}

NAMESPACE.update({f"_fn_{k if k != '/' else 'div'}": v for k, v in FUNCTIONS.items()})
NAMESPACE["_normc"] = norm_continuous


def and3(*values: bool | None) -> bool | None:
    """Three-valued AND: FALSE wins, then UNKNOWN (None)."""
    if False in values:
        return False
    return None if None in values else True


def or3(*values: bool | None) -> bool | None:
    """Three-valued OR: TRUE wins, then UNKNOWN (None)."""
    if True in values:
        return True
    return None if None in values else False


def xor3(*values: bool | None) -> bool | None:
    """Three-valued XOR: UNKNOWN if any operand is."""
    if None in values:
        return None
    return sum(1 for v in values if v) % 2 == 1


def surrogate3(*values: bool | None) -> bool | None:
    """PMML surrogate: the first operand that is not UNKNOWN."""
    for value in values:
        if value is not None:
            return value
    return None


NAMESPACE.update({"_and3": and3, "_or3": or3, "_xor3": xor3, "_surrogate3": surrogate3})
