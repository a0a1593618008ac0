"""Predicates compiled to Python conditions with PMML's three-valued logic.

A `Pred` is a pair of conditions: `unk` is true when the predicate is UNKNOWN (a value it
needs is missing) and `tru` is true when it is TRUE, valid only once `unk` is known false.
`unk` is None when the predicate can never be UNKNOWN, which is what keeps generated trees
fast: fields with a missing value replacement are never checked for None.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .codegen import Emitter, Scope, Var, literal, lookup
from .errors import InvalidDocument, UnsupportedElement, at
from .values import choice, typed
from .xmlsafe import Element

_COMPARISONS = {
    "equal": "==",
    "notEqual": "!=",
    "lessThan": "<",
    "lessOrEqual": "<=",
    "greaterThan": ">",
    "greaterOrEqual": ">=",
}
_ORDERED = frozenset({"lessThan", "lessOrEqual", "greaterThan", "greaterOrEqual"})
_ARRAY_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


@dataclass(frozen=True)
class Pred:
    """A compiled predicate: UNKNOWN condition (or None if impossible) and TRUE condition."""

    unk: str | None
    tru: str
    var: str | None = None

    def tristate(self) -> str:
        """An expression evaluating to True, False or None (UNKNOWN)."""
        if self.unk is None:
            return f"({self.tru})"
        return f"(None if {self.unk} else ({self.tru}))"


TRUE = Pred(None, "True")


def _missing_check(var: Var, known: frozenset[str]) -> str | None:
    return f"{var.name} is None" if var.missing and var.name not in known else None


def _simple(element: Element, scope: Scope, known: frozenset[str]) -> Pred:
    var = lookup(scope, element.get("field"), element)
    operator = choice(element, "operator", "", (*_COMPARISONS, "isMissing", "isNotMissing"))
    if operator == "isMissing":
        return Pred(None, f"{var.name} is None" if var.missing else "False")
    if operator == "isNotMissing":
        return Pred(None, f"{var.name} is not None" if var.missing else "True")
    if operator in _ORDERED and not var.numeric:
        raise UnsupportedElement(
            at(
                element.path,
                f"operator {operator} on the non-numeric field {var.name!r}",
                "compare categorical fields with equal/notEqual or SimpleSetPredicate",
            )
        )
    value = typed(element.get("value"), var.dtype, element, "value", allow_inf=operator in _ORDERED)
    tru = f"{var.name} {_COMPARISONS[operator]} {literal(value)}"
    return Pred(_missing_check(var, known), tru, var.name)


def array_values(array: Element, dtype: str) -> list[float | str]:
    """The items of an <Array>, typed; quoted strings may hold blanks and escaped quotes."""
    kind = choice(array, "type", "string", ("string", "int", "real"))
    tokens = [
        m.group(1).replace('\\"', '"') if m.group(1) is not None else m.group(2)
        for m in _ARRAY_TOKEN.finditer(array.text)
    ]
    if array.get("n") is not None and int(float(array.get("n") or 0)) != len(tokens):
        raise InvalidDocument(
            at(
                array.path,
                f"n={array.get('n')} but {len(tokens)} items",
                "set n to the number of items, or remove n",
            )
        )
    if kind != "string" and dtype == "string":
        raise InvalidDocument(
            at(
                array.path,
                f"Array type={kind} for a string field",
                'use type="string" for an Array of a string field\'s values',
            )
        )
    return [typed(t, dtype, array, "Array item") for t in tokens]


def _set(em: Emitter, element: Element, scope: Scope, known: frozenset[str]) -> Pred:
    var = lookup(scope, element.get("field"), element)
    operator = choice(element, "booleanOperator", "", ("isIn", "isNotIn"))
    array = element.find("Array")
    if array is None:
        raise InvalidDocument(
            at(
                element.path,
                "SimpleSetPredicate without Array",
                "give the SimpleSetPredicate an Array child that lists its values",
            )
        )
    items = array_values(array, var.dtype)
    if any(isinstance(i, float) and math.isinf(i) for i in items):
        raise InvalidDocument(
            at(
                array.path,
                "infinite value in an Array",
                "list finite values only; a model cannot compare a category with INF",
            )
        )
    members = "{" + ", ".join(literal(i) for i in sorted(set(items), key=repr)) + "}"
    if not items:
        members = em.constant("_E", "frozenset()")
    negate = "not " if operator == "isNotIn" else ""
    return Pred(_missing_check(var, known), f"{var.name} {negate}in {members}", var.name)


def _compound(em: Emitter, element: Element, scope: Scope, known: frozenset[str]) -> Pred:
    operator = choice(element, "booleanOperator", "", ("and", "or", "xor", "surrogate"))
    parts = [predicate(em, child, scope, known) for child in element.children]
    if len(parts) < 2:
        raise InvalidDocument(
            at(
                element.path,
                "CompoundPredicate needs 2+ predicates",
                "give the CompoundPredicate two or more predicates, or use the one predicate alone",
            )
        )
    if all(p.unk is None for p in parts):
        if operator == "surrogate":
            return parts[0]
        joiner = {"and": " and ", "or": " or ", "xor": " ^ "}[operator]
        return Pred(
            None,
            "("
            + joiner.join(f"bool({p.tru})" if operator == "xor" else f"({p.tru})" for p in parts)
            + ")",
        )
    temp = em.fresh("_p")
    call = f"_{operator}3({', '.join(p.tristate() for p in parts)})"
    return Pred(f"({temp} := {call}) is None", temp)


def predicate(em: Emitter, element: Element, scope: Scope, known: frozenset[str]) -> Pred:
    """Compile a predicate element given the locals already known not to be None."""
    tag = element.tag
    if tag == "True":
        return TRUE
    if tag == "False":
        return Pred(None, "False")
    if tag == "SimplePredicate":
        return _simple(element, scope, known)
    if tag == "SimpleSetPredicate":
        return _set(em, element, scope, known)
    if tag == "CompoundPredicate":
        return _compound(em, element, scope, known)
    raise InvalidDocument(
        at(
            element.path,
            f"<{tag}> is not a predicate",
            "use SimplePredicate, SimpleSetPredicate, CompoundPredicate, True or False here",
        )
    )


def node_predicate(em: Emitter, node: Element, scope: Scope, known: frozenset[str]) -> Pred:
    """The predicate of a tree Node or Segment (its one predicate child)."""
    from .schema import PREDICATES

    found = [c for c in node.children if c.tag in PREDICATES]
    if len(found) != 1:
        raise InvalidDocument(
            at(
                node.path,
                f"<{node.tag}> needs exactly one predicate",
                "give the element one predicate, e.g. <True/> for always",
            )
        )
    return predicate(em, found[0], scope, known)
