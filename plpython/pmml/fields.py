"""DataDictionary and MiningSchema: converting a record's values into prepared locals.

Decisions (see docs/pmml-runtime.md): None and NaN are missing values; infinities,
unparsable numbers, fractions for integer fields and categories outside the DataDictionary are
invalid values. The MiningField's treatments then apply exactly as PMML defines them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .codegen import NUMERIC_TYPES, Emitter, Scope, Var, literal, required
from .errors import InvalidDocument, UnsupportedElement, at
from .values import choice, number, typed
from .xmlsafe import Element

DATA_TYPES = ("string", "integer", "float", "double")
OPTYPES = ("categorical", "ordinal", "continuous")
_CLOSURES = {
    "openClosed": (">", "<="),
    "openOpen": (">", "<"),
    "closedOpen": (">=", "<"),
    "closedClosed": (">=", "<="),
}


@dataclass
class DataFieldSpec:
    """A DataField: type, valid values, missing markers and valid intervals."""

    name: str
    optype: str
    dtype: str
    valid: tuple[Any, ...] | None = None
    missing: tuple[Any, ...] = ()
    intervals: list[Element] = field(default_factory=list)


def interval_condition(element: Element, var: str) -> str:
    """A Python condition that is true when `var` lies in the <Interval>."""
    low_op, high_op = _CLOSURES[choice(element, "closure", "", tuple(_CLOSURES))]
    parts = []
    if element.get("leftMargin") is not None:
        low = number(element.get("leftMargin"), element, "leftMargin")
        parts.append(f"{var} {low_op} {literal(low)}")
    if element.get("rightMargin") is not None:
        high = number(element.get("rightMargin"), element, "rightMargin")
        parts.append(f"{var} {high_op} {literal(high)}")
    return "(" + (" and ".join(parts) or "True") + ")"


def _data_field(element: Element) -> DataFieldSpec:
    spec = DataFieldSpec(
        name=required(element, "name"),
        optype=choice(element, "optype", "", OPTYPES),
        dtype=choice(element, "dataType", "", DATA_TYPES),
    )
    if element.get("isCyclic", "0") != "0":
        raise UnsupportedElement(at(element.path, "cyclic fields", "remove isCyclic"))
    valid = []
    for value in element.findall("Value"):
        prop = choice(value, "property", "valid", ("valid", "invalid", "missing"))
        parsed = typed(value.get("value"), spec.dtype, value, "value")
        if prop == "missing":
            spec.missing += (parsed,)
        elif prop == "valid" and spec.optype != "continuous":
            valid.append(parsed)
        elif prop == "valid" or spec.optype != "continuous":
            raise UnsupportedElement(
                at(
                    value.path,
                    f"Value property={prop!r} on a {spec.optype} field",
                    "list only valid categories, or missing-value markers",
                )
            )
    spec.valid = tuple(valid) if valid else None
    _intervals(element, spec)
    return spec


def _intervals(element: Element, spec: DataFieldSpec) -> None:
    intervals = element.findall("Interval")
    if intervals and (spec.optype != "continuous" or spec.dtype not in NUMERIC_TYPES):
        raise UnsupportedElement(
            at(intervals[0].path, "Interval on a non-continuous field", "remove it")
        )
    for interval in intervals:
        interval_condition(interval, "x")  # validates it now, at compile time
    spec.intervals = intervals


def data_dictionary(root: Element) -> dict[str, DataFieldSpec]:
    """All DataFields by name."""
    dictionary = root.find("DataDictionary")
    if dictionary is None:
        raise InvalidDocument(
            at(
                root.path,
                "no DataDictionary",
                "add a DataDictionary with one DataField per input and target",
            )
        )
    specs = [_data_field(e) for e in dictionary.findall("DataField")]
    return {spec.name: spec for spec in specs}


@dataclass
class MiningSchema:
    """The top-level model's prepared inputs and its target."""

    scope: Scope
    inputs: list[dict[str, Any]]
    target: str | None
    # per input, in order: the index in the emitter's lines of the line reading its value
    # (`v = g(name)`), which the scorer of rows (compiler.ROWS) replaces by `v = t[i]`
    reads: list[int] = field(default_factory=list)


EXACT_INT = 2**53  # every int of at most this magnitude is exactly a float


def _frozen(values: tuple[Any, ...]) -> str:
    return "frozenset({" + ", ".join(literal(v) for v in values) + "})" if values else "frozenset()"


def _convert(em: Emitter, spec: DataFieldSpec, var: str) -> None:
    name = literal(spec.name)
    em.line(f"v = g({name})")  # first: mining_schema records where (MiningSchema.reads)
    if spec.optype == "continuous" and spec.dtype in NUMERIC_TYPES:
        # Fast paths for the common input types; anything else takes _num. An int within
        # 2**53 converts exactly, as _num would convert it.
        exact_int = f"float(v) if v.__class__ is int and {-EXACT_INT} <= v <= {EXACT_INT}"
        if spec.missing:
            em.line(f"{var} = _num(v, {spec.dtype == 'integer'})")
        elif spec.dtype == "integer":
            em.line(f"{var} = {exact_int} else _num(v, True)")
        else:
            em.line(
                f"{var} = v if v.__class__ is float and v - v == 0.0 else {exact_int}"
                " else _num(v, False)"
            )
        if spec.missing:
            em.line(f"if {var} in {_frozen(spec.missing)}: {var} = None")
        if spec.intervals:
            checks = " or ".join(interval_condition(i, var) for i in spec.intervals)
            em.line(f"if {var}.__class__ is float and not ({checks}): {var} = _Invalid({var})")
        return
    valid = em.constant("_V", _frozen(spec.valid)) if spec.valid is not None else "None"
    missing = em.constant("_M", _frozen(spec.missing))
    numeric = spec.dtype in NUMERIC_TYPES
    fast = f" and v in {valid}" if spec.valid is not None else ""
    if numeric or spec.missing:
        em.line(f"{var} = _cat(v, {valid}, {missing}, {numeric})")
    else:
        em.line(f"{var} = v if v.__class__ is str{fast} else _cat(v, {valid}, {missing}, False)")


def _invalid_treatment(em: Emitter, mining: Element, spec: DataFieldSpec, var: str) -> None:
    treatment = choice(
        mining,
        "invalidValueTreatment",
        "returnInvalid",
        ("returnInvalid", "asIs", "asMissing", "asValue"),
    )
    with em.block(f"if {var}.__class__ is _Invalid:"):
        if treatment == "returnInvalid":
            em.line(f"raise _invalid({literal(spec.name)}, v)")
        elif treatment == "asMissing":
            em.line(f"{var} = None")
        elif treatment == "asValue":
            text = required(mining, "invalidValueReplacement")
            value = typed(text, spec.dtype, mining, "invalidValueReplacement")
            em.line(f"{var} = {literal(value)}")
        else:
            em.line(f"{var} = {var}.value")
            em.line(f"if {var} is None: raise _invalid({literal(spec.name)}, v)")


def _missing_treatment(em: Emitter, mining: Element, spec: DataFieldSpec, var: str) -> bool:
    """Emit the missing value treatment; True if the value can still be missing."""
    treatment = choice(
        mining,
        "missingValueTreatment",
        "asIs",
        ("asIs", "asMean", "asMode", "asMedian", "asValue", "returnInvalid"),
    )
    replacement = mining.get("missingValueReplacement")
    if treatment == "returnInvalid":
        em.line(f"if {var} is None: raise _invalid({literal(spec.name)}, v)")
        return False
    if replacement is not None:
        value = typed(replacement, spec.dtype, mining, "missingValueReplacement")
        em.line(f"if {var} is None: {var} = {literal(value)}")
        return False
    if treatment != "asIs":
        raise InvalidDocument(
            at(
                mining.path,
                f"missingValueTreatment={treatment} without missingValueReplacement",
                "add missingValueReplacement",
            )
        )
    return True


def _check_mining_field(mining: Element, spec: DataFieldSpec) -> None:
    if mining.get("optype", spec.optype) != spec.optype:
        raise UnsupportedElement(
            at(mining.path, "MiningField optype differs from its DataField", "remove optype")
        )
    choice(mining, "outliers", "asIs", ("asIs",))
    for name in ("lowValue", "highValue"):
        if mining.get(name) is not None:
            raise UnsupportedElement(at(mining.path, f"attribute {name}", "remove it"))


def _input(em: Emitter, mining: Element, spec: DataFieldSpec, index: int) -> Var:
    _check_mining_field(mining, spec)
    var = f"x{index}"
    _convert(em, spec, var)
    _invalid_treatment(em, mining, spec, var)
    missing = _missing_treatment(em, mining, spec, var)
    if spec.dtype == "float":
        em.line(f"if {var} is not None: {var} = _f32({var})" if missing else f"{var} = _f32({var})")
    return Var(var, spec.dtype, spec.optype, missing, spec.valid, (spec.name,))


def _describe(spec: DataFieldSpec) -> dict[str, Any]:
    described: dict[str, Any] = {"name": spec.name, "dataType": spec.dtype, "optype": spec.optype}
    if spec.optype != "continuous":
        described["values"] = list(spec.valid or ())
    return described


def mining_schema(em: Emitter, model: Element, dd: dict[str, DataFieldSpec]) -> MiningSchema:
    """Emit the code that prepares every active field of the top-level model."""
    schema = model.find("MiningSchema")
    if schema is None:
        raise InvalidDocument(
            at(
                model.path,
                "no MiningSchema",
                "add a MiningSchema with one MiningField per field the model reads",
            )
        )
    result = MiningSchema({}, [], None)
    for mining in schema.findall("MiningField"):
        name = required(mining, "name")
        if name not in dd:
            raise InvalidDocument(
                at(
                    mining.path,
                    f"field {name!r} is not in the DataDictionary",
                    "add a DataField of that name to the DataDictionary, or correct the "
                    "MiningField's name",
                )
            )
        usage = choice(
            mining, "usageType", "active", ("active", "target", "predicted", "supplementary")
        )
        if usage in ("target", "predicted"):
            result.target = name
        elif usage == "active":
            result.reads.append(len(em.lines))  # _convert's first line reads the value
            result.scope[name] = _input(em, mining, dd[name], len(result.inputs))
            result.inputs.append(_describe(dd[name]))
    return result


def nested_schema(model: Element, scope: Scope) -> None:
    """Check a nested model's MiningSchema: it may only name fields, not treat them."""
    schema = model.find("MiningSchema")
    for mining in schema.findall("MiningField") if schema is not None else []:
        usage = choice(
            mining, "usageType", "active", ("active", "target", "predicted", "supplementary")
        )
        choice(mining, "invalidValueTreatment", "returnInvalid", ("returnInvalid", "asIs"))
        extra = set(mining.attrib) - {"name", "usageType", "invalidValueTreatment", "importance"}
        if extra:
            raise UnsupportedElement(
                at(
                    mining.path,
                    f"treatment attributes {sorted(extra)} in a nested MiningSchema",
                    "put value treatments in the top-level MiningSchema",
                )
            )
        if usage == "active" and required(mining, "name") not in scope:
            raise InvalidDocument(
                at(
                    mining.path,
                    f"field {mining.get('name')!r} is not defined",
                    "define it as a DataField or as a DerivedField of a TransformationDictionary "
                    "or LocalTransformations that the model sees",
                )
            )
