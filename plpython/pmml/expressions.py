"""Expressions of DerivedFields compiled to Python.

Constant, FieldRef, Apply, NormContinuous, NormDiscrete, Discretize and MapValues.

An expression compiles to a `Val`: Python code that is valid once every local in `needs` is
not None. Strict functions (missing in, missing out) just merge `needs`; constructs that map
missing values (mapMissingTo, defaults, lookups) are materialised into a temporary local.
"""

from __future__ import annotations

from dataclasses import dataclass

from .codegen import NUMERIC_TYPES, Emitter, Scope, Var, literal, lookup, required
from .errors import InvalidDocument, UnsupportedElement, at
from .fields import interval_condition
from .values import choice, typed
from .xmlsafe import Element


@dataclass(frozen=True)
class Val:
    """Compiled expression: `code` is valid when no local in `needs` is None."""

    code: str
    dtype: str
    needs: frozenset[str] = frozenset()
    const: float | None = None


_INFIX = {"+": "+", "-": "-", "*": "*"}
_HELPERS = {
    "/": "_fn_div",
    "ln": "_fn_ln",
    "log10": "_fn_log10",
    "sqrt": "_fn_sqrt",
    "pow": "_fn_pow",
    "floor": "_fn_floor",
    "ceil": "_fn_ceil",
    "exp": "_fn_exp",
}
_ARITY = {
    "+": 2,
    "-": 2,
    "*": 2,
    "/": 2,
    "pow": 2,
    "ln": 1,
    "log10": 1,
    "sqrt": 1,
    "floor": 1,
    "ceil": 1,
    "exp": 1,
    "abs": 1,
}
_AGGREGATES = ("min", "max", "sum", "avg")
_MISSING_TESTS = ("isMissing", "isNotMissing")


def _guard(needs: frozenset[str]) -> str:
    return " or ".join(f"{n} is None" for n in sorted(needs))


def _temp(
    em: Emitter, val: Val, when_missing: str | None, dtype: str, *, nullable: bool = False
) -> Val:
    """Materialise `val` in a local, with `when_missing` (a literal or None) as fallback.

    `nullable` says that `val.code` itself may evaluate to None.
    """
    name = em.fresh("t")
    if not val.needs:
        em.line(f"{name} = {val.code}")
        return Val(name, dtype, frozenset({name}) if nullable else frozenset())
    fallback = "None" if when_missing is None else when_missing
    em.line(f"{name} = {fallback} if {_guard(val.needs)} else {val.code}")
    can_miss = when_missing is None or nullable
    return Val(name, dtype, frozenset({name}) if can_miss else frozenset())


def _map_missing(em: Emitter, element: Element, val: Val, dtype: str) -> Val:
    text = element.get("mapMissingTo")
    if text is None or not val.needs:
        return val
    return _temp(em, val, literal(typed(text, dtype, element, "mapMissingTo")), dtype)


def _field_val(var: Var) -> Val:
    return Val(var.name, var.dtype, frozenset({var.name}) if var.missing else frozenset())


def _constant(element: Element) -> Val:
    dtype = element.get("dataType")
    if dtype is None:
        dtype = "double" if _looks_numeric(element.text) else "string"
    dtype = choice(element, "dataType", dtype, ("string", "integer", "float", "double"))
    value = typed(element.text, dtype, element, "Constant")
    if isinstance(value, float):
        return Val(literal(value), "double", const=value)
    return Val(literal(value), "string")


def _looks_numeric(text: str) -> bool:
    from .numbers import parse_number

    return parse_number(text) is not None


def _numeric_args(element: Element, args: list[Val]) -> None:
    for arg in args:
        if arg.dtype not in NUMERIC_TYPES:
            raise UnsupportedElement(
                at(
                    element.path,
                    f"function {element.get('function')!r} on a string value",
                    "use numeric arguments",
                )
            )


def _apply_code(element: Element, function: str, args: list[Val]) -> str:
    codes = [a.code for a in args]
    if function in _AGGREGATES:
        if function == "min" or function == "max":
            return f"{function}({', '.join(codes)})"
        total = "(" + " + ".join(codes) + ")"
        return total if function == "sum" else f"({total} / {literal(float(len(codes)))})"
    if len(args) != _ARITY[function]:
        raise InvalidDocument(
            at(
                element.path,
                f"function {function!r} takes {_ARITY[function]} arguments, got {len(args)}",
                "give the Apply exactly that many argument expressions",
            )
        )
    if function in _INFIX:
        return f"({codes[0]} {_INFIX[function]} {codes[1]})"
    if function == "abs":
        return f"abs({codes[0]})"
    if function == "/" and args[1].const is not None and args[1].const != 0.0:
        return f"({codes[0]} / {codes[1]})"
    return f"{_HELPERS[function]}({', '.join(codes)})"


def _apply(em: Emitter, element: Element, scope: Scope) -> Val:
    function = required(element, "function")
    if function in _MISSING_TESTS:
        return _missing_test(em, element, scope, function)
    if function not in _ARITY and function not in _AGGREGATES:
        raise UnsupportedElement(
            at(
                element.path,
                f"Apply function={function!r} is not supported (supported: "
                f"{', '.join(sorted({*_ARITY, *_AGGREGATES, *_MISSING_TESTS}))})",
                "export the model without this transformation",
            )
        )
    if element.get("defaultValue") is not None:
        raise UnsupportedElement(at(element.path, "Apply defaultValue", "remove it"))
    choice(element, "invalidValueTreatment", "returnInvalid", ("returnInvalid",))
    args = [expression(em, child, scope) for child in element.children]
    _numeric_args(element, args)
    needs = frozenset().union(*(a.needs for a in args)) if args else frozenset()
    if function in _AGGREGATES and (needs or not args):
        raise UnsupportedElement(
            at(
                element.path,
                f"function {function!r} over values that may be missing",
                "impute the inputs first",
            )
        )
    val = Val(_apply_code(element, function, args), "double", needs)
    return _map_missing(em, element, val, "double")


def _missing_test(em: Emitter, element: Element, scope: Scope, function: str) -> Val:
    """PMML isMissing and isNotMissing of one value, as 1.0 or 0.0 (never missing itself).

    sklearn2pmml writes isMissing(field) for the indicator column that a OneHotEncoder adds for
    a missing category. An invalid (unseen) value is not missing.
    """
    if len(element.children) != 1:
        raise InvalidDocument(
            at(
                element.path,
                f"function {function!r} takes 1 argument",
                "give the Apply exactly one argument expression",
            )
        )
    choice(element, "invalidValueTreatment", "returnInvalid", ("returnInvalid",))
    arg = expression(em, element.children[0], scope)
    missing = _guard(arg.needs) if arg.needs else "False"
    yes, no = ("1.0", "0.0") if function == "isMissing" else ("0.0", "1.0")
    return Val(f"({yes} if {missing} else {no})", "double", frozenset())


def _norm_discrete(em: Emitter, element: Element, scope: Scope) -> Val:
    var = lookup(scope, element.get("field"), element)
    choice(element, "method", "indicator", ("indicator",))
    value = typed(element.get("value"), var.dtype, element, "value")
    val = Val(f"(1.0 if {var.name} == {literal(value)} else 0.0)", "double", _field_val(var).needs)
    return _map_missing(em, element, val, "double")


def _norm_continuous(em: Emitter, element: Element, scope: Scope) -> Val:
    var = lookup(scope, element.get("field"), element)
    if not var.numeric:
        raise InvalidDocument(
            at(
                element.path,
                "NormContinuous of a string field",
                "apply NormContinuous to a continuous (double) field, or use NormDiscrete for "
                "categories",
            )
        )
    outliers = choice(element, "outliers", "asIs", ("asIs", "asMissingValues", "asExtremeValues"))
    points = [
        (typed(p.get("orig"), "double", p, "orig"), typed(p.get("norm"), "double", p, "norm"))
        for p in element.findall("LinearNorm")
    ]
    origs = [o for o, _ in points]
    if len(points) < 2 or any(a >= b for a, b in zip(origs, origs[1:], strict=False)):  # type: ignore[operator]
        raise InvalidDocument(
            at(
                element.path,
                "NormContinuous needs 2+ LinearNorm with increasing orig",
                "list at least two LinearNorm elements, sorted by increasing orig",
            )
        )
    orig = em.constant("_O", "(" + ", ".join(literal(o) for o, _ in points) + ",)")
    norm = em.constant("_N", "(" + ", ".join(literal(n) for _, n in points) + ",)")
    val = Val(f"_normc({var.name}, {orig}, {norm}, {outliers!r})", "double", _field_val(var).needs)
    if outliers == "asMissingValues":
        val = _temp(em, val, None, "double", nullable=True)
    return _map_missing(em, element, val, "double")


def _discretize(em: Emitter, element: Element, scope: Scope, dtype: str) -> Val:
    var = lookup(scope, element.get("field"), element)
    dtype = element.get("dataType", dtype) or dtype
    name = em.fresh("t")
    default = element.get("defaultValue")
    missing = element.get("mapMissingTo")
    em.line(
        f"if {var.name} is None: {name} = "
        f"{literal(typed(missing, dtype, element, 'mapMissingTo')) if missing else 'None'}"
    )
    if not var.numeric:
        raise InvalidDocument(
            at(
                element.path,
                "Discretize of a string field",
                "apply Discretize to a continuous (double) field, or use MapValues for categories",
            )
        )
    for bin_ in element.findall("DiscretizeBin"):
        interval = bin_.find("Interval")
        if interval is None:
            raise InvalidDocument(
                at(
                    bin_.path,
                    "DiscretizeBin without Interval",
                    "give each DiscretizeBin one Interval child",
                )
            )
        value = literal(typed(bin_.get("binValue"), dtype, bin_, "binValue"))
        em.line(f"elif {interval_condition(interval, var.name)}: {name} = {value}")
    em.line(
        f"else: {name} = "
        f"{literal(typed(default, dtype, element, 'defaultValue')) if default else 'None'}"
    )
    can_miss = default is None or (var.missing and missing is None)
    return Val(name, _out(dtype), frozenset({name}) if can_miss else frozenset())


def _out(dtype: str) -> str:
    return "double" if dtype in NUMERIC_TYPES else "string"


def _map_values(em: Emitter, element: Element, scope: Scope, dtype: str) -> Val:
    dtype = element.get("dataType", dtype) or dtype
    pairs = element.findall("FieldColumnPair")
    table = element.find("InlineTable")
    output = required(element, "outputColumn")
    if not pairs or table is None:
        raise InvalidDocument(
            at(
                element.path,
                "MapValues without columns or table",
                "add FieldColumnPair elements and an InlineTable to the MapValues",
            )
        )
    vars_ = [lookup(scope, p.get("field"), p) for p in pairs]
    columns = [required(p, "column") for p in pairs]
    mapping: dict[object, object] = {}
    for row in table.findall("row"):
        cells = {cell.tag: cell.text for cell in row.children}
        if output not in cells or any(c not in cells for c in columns):
            continue
        pairs_ = zip(columns, vars_, strict=True)
        key = tuple(typed(cells[c], v.dtype, row, c) for c, v in pairs_)
        result = typed(cells[output], dtype, row, output)
        mapping.setdefault(key if len(key) > 1 else key[0], result)
    table_name = em.constant(
        "_T", "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in mapping.items()) + "}"
    )
    key_code = vars_[0].name if len(vars_) == 1 else "(" + ", ".join(v.name for v in vars_) + ",)"
    default = element.get("defaultValue")
    fallback = literal(typed(default, dtype, element, "defaultValue")) if default else "None"
    needs = frozenset().union(*(_field_val(v).needs for v in vars_))
    missing = element.get("mapMissingTo")
    when_missing = literal(typed(missing, dtype, element, "mapMissingTo")) if missing else "None"
    name = em.fresh("t")
    code = f"{table_name}.get({key_code}, {fallback})"
    em.line(
        f"{name} = {when_missing} if {_guard(needs)} else {code}" if needs else f"{name} = {code}"
    )
    can_miss = default is None or (bool(needs) and missing is None)
    return Val(name, _out(dtype), frozenset({name}) if can_miss else frozenset())


def expression(em: Emitter, element: Element, scope: Scope, dtype: str = "double") -> Val:
    """Compile one expression element; `dtype` is the enclosing DerivedField's type."""
    tag = element.tag
    if tag == "Constant":
        return _constant(element)
    if tag == "FieldRef":
        var = lookup(scope, element.get("field"), element)
        return _map_missing(em, element, _field_val(var), var.dtype)
    if tag == "Apply":
        return _apply(em, element, scope)
    if tag == "NormDiscrete":
        return _norm_discrete(em, element, scope)
    if tag == "NormContinuous":
        return _norm_continuous(em, element, scope)
    if tag == "Discretize":
        return _discretize(em, element, scope, dtype)
    return _map_values(em, element, scope, dtype)
