"""TransformationDictionary and LocalTransformations: DerivedFields computed once per record.

Only fields that something in the document refers to are computed. Fields of dataType
`float` are rounded to float32 (as scikit-learn does before comparing with a tree threshold);
the rounding is batched into one struct call per group of fields.
"""

from __future__ import annotations

from . import interrupt
from .codegen import NUMERIC_TYPES, Emitter, Scope, Var, literal, required
from .errors import InvalidDocument, UnsupportedElement, at
from .expressions import expression
from .fields import DATA_TYPES, OPTYPES
from .values import choice
from .xmlsafe import Element

_REFERRING = frozenset(
    {
        "FieldRef",
        "SimplePredicate",
        "SimpleSetPredicate",
        "NumericPredictor",
        "CategoricalPredictor",
        "NormContinuous",
        "NormDiscrete",
        "Discretize",
        "FieldColumnPair",
    }
)


def references(root: Element) -> set[str]:
    """Names of all fields that some element of the subtree reads."""
    names: set[str] = set()
    pending = [root]
    while pending:
        interrupt.poll()
        element = pending.pop()
        if element.tag in _REFERRING:
            names.add(element.get("field") or element.get("name") or "")
        pending.extend(element.children)
    return names


class _Rounding:
    """float32 rounding of derived fields, batched until a later field reads one of them."""

    def __init__(self, em: Emitter) -> None:
        self.em = em
        self.pending: list[str] = []
        self.pmml_names: set[str] = set()

    def add(self, var: Var, pmml_name: str) -> None:
        if var.missing:
            self.em.line(f"if {var.name} is not None: {var.name} = _f32({var.name})")
            return
        self.pending.append(var.name)
        self.pmml_names.add(pmml_name)

    def flush_if_read(self, element: Element) -> None:
        if self.pending and references(element) & self.pmml_names:
            self.flush()

    def flush(self) -> None:
        names = self.pending
        if not names:
            return
        self.pending, self.pmml_names = [], set()
        if len(names) == 1:
            self.em.line(f"{names[0]} = _f32({names[0]})")
            return
        pack, unpack = self.em.fresh("_P"), self.em.fresh("_U")
        self.em.constants.append(f"{pack}, {unpack} = _f32_struct({len(names)})")
        joined = ", ".join(names)
        with self.em.block("try:"):
            self.em.line(f"{joined}, = {unpack}({pack}({joined}))")
        with self.em.block("except OverflowError:"):
            for name in names:
                self.em.line(f"{name} = _f32({name})")


def _derived(em: Emitter, element: Element, scope: Scope) -> Var:
    name = required(element, "name")
    dtype = choice(element, "dataType", "", DATA_TYPES)
    optype = choice(element, "optype", "", OPTYPES)
    if len(element.children) != 1:
        raise InvalidDocument(
            at(
                element.path,
                "a DerivedField needs one expression",
                "give the DerivedField exactly one expression child (e.g. FieldRef, Apply, "
                "NormContinuous)",
            )
        )
    val = expression(em, element.children[0], scope, dtype)
    if (dtype in NUMERIC_TYPES) != (val.dtype in NUMERIC_TYPES):
        raise UnsupportedElement(
            at(
                element.path,
                f"DerivedField {name!r} of dataType {dtype} from a {val.dtype} expression",
                "declare the type the expression yields",
            )
        )
    used = references(element)
    origin = tuple(sorted({o for n, v in scope.items() if n in used for o in v.origin}))
    var = Var(em.fresh("d"), dtype, optype, bool(val.needs), None, origin)
    guard = " or ".join(f"{n} is None" for n in sorted(val.needs))
    em.line(
        f"{var.name} = None if {guard} else {val.code}" if guard else f"{var.name} = {val.code}"
    )
    if dtype == "integer":
        em.line(
            f"if {var.name} is not None and not {var.name}.is_integer(): "
            f"raise _fnerr({literal(name)}, ({var.name},))"
        )
    return var


def transformations(
    em: Emitter, container: Element | None, scope: Scope, referenced: set[str]
) -> Scope:
    """Emit the referenced DerivedFields of `container`; returns the scope extended by them."""
    if container is None:
        return scope
    scope = dict(scope)
    rounding = _Rounding(em)
    for element in container.findall("DerivedField"):
        name = required(element, "name")
        if name not in referenced:
            continue
        rounding.flush_if_read(element)
        var = _derived(em, element, scope)
        scope[name] = var
        if var.dtype == "float":
            rounding.add(var, name)
    rounding.flush()
    return scope
