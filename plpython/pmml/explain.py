"""Explanations: the margin (before any logistic) split into per-input contributions.

Linear models contribute their exact terms. Tree models use Saabas path attribution: each
split moves the expected value from a node to its child, and the move is credited to the
fields the child's predicate reads. The contributions of every leaf are constants computed
at compile time, so explaining costs one `e[i] += c` per field on the path. PMML carries no
sample counts for internal nodes, so a node's expected value is its own score when the
document has one, else the unweighted mean of the leaves below it.

Only model shapes whose margin is well defined are explained (RegressionModel, TreeModel,
sum/average ensembles of trees, and a modelChain ending in a logistic RegressionModel);
`generate_explain` returns None for anything else.
"""

from __future__ import annotations

from collections.abc import Callable

from .codegen import Emitter, Parts, Scope, literal, lookup
from .context import Ctx, function_name, rescaling
from .errors import PmmlError
from .regression import table_sum
from .schema import PREDICATES as PREDICATES_TAGS
from .tree import TreeEmitter, node_value
from .values import number, typed
from .xmlsafe import Element


class NotExplainable(PmmlError):
    """The model's shape has no explanation here (scoring is unaffected)."""


class Attribution:
    """Maps fields to input slots and computes Saabas contributions of tree paths."""

    def __init__(self, inputs: list[str], scope: Scope) -> None:
        self.index = {name: i for i, name in enumerate(inputs)}
        self.other = len(inputs)
        self.scope = scope
        self.values: dict[int, float | None] = {}

    def slots(self, element: Element, scope: Scope) -> list[int]:
        """Input slots of the fields an element (predicate, term) reads."""
        names, pending = set(), [element]
        while pending:
            current = pending.pop()
            name = current.get("field") or current.get("name")
            if name is not None and current.tag != "PredictorTerm":
                names.add(name)
            pending.extend(current.children)
        origins = {o for n in names if n in scope for o in scope[n].origin}
        return sorted(self.index[o] for o in origins if o in self.index)

    def expected(self, node: Element, value_of: Callable[[Element], float | None]) -> float | None:
        """A node's expected value: its own value, else the mean of its leaves' values."""
        key = id(node)
        if key not in self.values:
            own = value_of(node)
            children = node.findall("Node")
            if own is None and children:
                leaves = [
                    v for v in (self.expected(c, value_of) for c in children) if v is not None
                ]
                own = sum(leaves) / len(leaves) if leaves else None
            self.values[key] = own
        return self.values[key]

    def path(
        self, path: list[Element], value_of: Callable[[Element], float | None], scope: Scope
    ) -> dict[int, float]:
        """Contributions of the moves along a root-to-node path."""
        out: dict[int, float] = {}
        for parent, child in zip(path, path[1:], strict=False):
            before, after = self.expected(parent, value_of), self.expected(child, value_of)
            if before is None or after is None or after == before:
                continue
            slots = self._step_slots(parent, child, scope) or [self.other]
            for slot in slots:
                out[slot] = out.get(slot, 0.0) + (after - before) / len(slots)
        return out

    def _step_slots(self, parent: Element, child: Element, scope: Scope) -> list[int]:
        own = [c for c in child.children if c.tag in PREDICATES_TAGS]
        slots = self.slots(own[0], scope) if own else []
        if slots:
            return slots
        siblings = [
            c
            for s in parent.findall("Node")
            if s is not child
            for c in s.children
            if c.tag in PREDICATES_TAGS
        ]
        return sorted({i for p in siblings for i in self.slots(p, scope)})


def _lines(contributions: dict[int, float], scale: float) -> list[str]:
    return [
        f"e[{i}] += {literal(c * scale)}"
        for i, c in sorted(contributions.items())
        if c * scale != 0.0
    ]


def _value_of(ctx: Ctx, model: Element) -> Callable[[Element], float | None]:
    from .models import tree_target

    target = tree_target(ctx, model)
    return lambda node: node_value(node, target)


def _base(ctx: Ctx, model: Element, attr: Attribution) -> float:
    root = model.find("Node")
    base = attr.expected(root, _value_of(ctx, model)) if root is not None else None
    if base is None:
        raise NotExplainable(f"{model.path}: the tree has no expected value")
    return base


def _tree(
    ctx: Ctx,
    em: Emitter,
    model: Element,
    scope: Scope,
    attr: Attribution,
    scale: float,
    leaf: Callable[[float], str],
) -> None:
    """Emit a tree whose leaves also add their path's contributions (times `scale`)."""
    from .models import tree_target

    value_of = _value_of(ctx, model)
    emitter: TreeEmitter

    def action(value: float) -> list[str]:
        return [*_lines(attr.path(emitter.stack, value_of, scope), scale), leaf(value)]

    emitter = TreeEmitter(em, model, scope, tree_target(ctx, model), action)
    emitter.emit()


def _regression(ctx: Ctx, em: Emitter, model: Element, scope: Scope, attr: Attribution) -> None:
    tables = model.findall("RegressionTable")
    method = model.get("normalizationMethod", "none")
    if function_name(model) == "classification":
        if len(tables) != 2 or method not in ("logit", "softmax") or _has_terms(tables[1]):
            raise NotExplainable(f"{model.path}: only binary logistic regressions")
        first = typed(tables[0].get("targetCategory"), ctx.target.dtype, tables[0], "category")
        sign = 1.0 if first == ctx.target.positive else -1.0
        factor, constant = sign, 0.0
    else:
        if method != "none" or len(tables) != 1:
            raise NotExplainable(f"{model.path}: normalized regression")
        factor, constant = rescaling(model)
    table = tables[0]
    _terms(em, table, scope, attr, factor)
    intercept = number(table.get("intercept"), table, "intercept")
    em.line(f"y = {table_sum(em, table, scope)}")
    em.line(
        f"return (y * {literal(factor)} + {literal(constant)}, "
        f"{literal(intercept * factor + constant)})"
    )


def _has_terms(table: Element) -> bool:
    return bool(table.children) or number(table.get("intercept"), table, "intercept") != 0.0


def _terms(em: Emitter, table: Element, scope: Scope, attr: Attribution, factor: float) -> None:
    for term in table.children:
        slots = attr.slots(term, scope) or [attr.other]
        if term.tag == "NumericPredictor":
            var = lookup(scope, term.get("name"), term)
            coefficient = number(term.get("coefficient"), term, "coefficient")
            exponent = int(number(term.get("exponent", "1"), term, "exponent"))
            code = f"{literal(coefficient * factor / len(slots))} * {var.name} ** {exponent}"
        elif term.tag == "CategoricalPredictor":
            var = lookup(scope, term.get("name"), term)
            value = typed(term.get("value"), var.dtype, term, "value")
            coefficient = number(term.get("coefficient"), term, "coefficient")
            amount = literal(coefficient * factor / len(slots))
            code = f"({amount} if {var.name} == {literal(value)} else 0.0)"
        else:
            raise NotExplainable(f"{term.path}: interaction terms")
        for slot in slots:
            em.line(f"e[{slot}] += {code}")


def _accumulate(weight: float) -> Callable[[float], str]:
    return lambda value: f"acc += {literal(weight * value)}"


def _aggregate(ctx: Ctx, em: Emitter, model: Element, scope: Scope, attr: Attribution) -> None:
    segmentation = model.find("Segmentation")
    method = segmentation.get("multipleModelMethod") if segmentation is not None else None
    if segmentation is None or method not in ("sum", "average", "weightedAverage"):
        raise NotExplainable(f"{model.path}: segmentation {method}")
    segments = segmentation.each("Segment")
    deferred = segmentation.deferred
    raw = deferred.weights if deferred is not None else [s.get("weight", "1") for s in segments]
    weights = [
        number(w, segmentation, "weight") if method == "weightedAverage" else 1.0 for w in raw
    ]
    total = 1.0 if method == "sum" else sum(weights)
    factor, constant = rescaling(model)
    em.line("acc = 0.0")
    base = 0.0
    params = ", ".join([*sorted(v.name for v in scope.values()), "e"])
    parts = Parts(em, params, ctx.functions)
    for segment, weight in zip(segments, weights, strict=True):
        tree = segment.find("TreeModel")
        if tree is None or rescaling(tree) != (1.0, 0.0):
            raise NotExplainable(f"{segment.path}: only ensembles of plain trees")
        base += weight * _base(ctx, tree, attr)
        scale = weight / total * factor
        out = parts.target()
        if tree.find("LocalTransformations") is None:
            _tree(ctx, out, tree, scope, attr, scale, _accumulate(weight))
        else:
            call = explain_function(ctx, tree, scope, attr)
            out.line(f"f = [0.0] * {attr.other + 1}")
            out.line(f"v, _ = {call[:-2]}f)")
            out.line(f"acc += {literal(weight)} * v")
            out.line(f"for i, c in enumerate(f): e[i] += c * {literal(scale)}")
        attr.values.clear()  # keyed by id(): a later segment's nodes may reuse the ids
        parts.segment_done()
    parts.close()
    result = "acc" if method == "sum" else f"acc / {literal(total)}"
    em.line(
        f"return (({result}) * {literal(factor)} + {literal(constant)}, "
        f"{literal(base / total * factor + constant)})"
    )


def _chain(
    ctx: Ctx,
    em: Emitter,
    model: Element,
    scope: Scope,
    attr: Attribution,
    compile_model: Callable[..., str],
) -> None:
    segments = model.find("Segmentation").findall("Segment")  # type: ignore[union-attr]
    models = [s.children[-1] for s in segments]
    if len(models) != 2 or models[1].tag != "RegressionModel":
        raise NotExplainable(f"{model.path}: only chains of a model and a logistic link")
    link = models[1].findall("RegressionTable")
    predictors = link[0].findall("NumericPredictor") if link else []
    if (
        len(link) != 2
        or len(predictors) != 1
        or _has_terms(link[1])
        or models[1].get("normalizationMethod") not in ("logit", "softmax")
    ):
        raise NotExplainable(f"{model.path}: the chain does not end in a logistic link")
    first = typed(link[0].get("targetCategory"), ctx.target.dtype, link[0], "category")
    sign = 1.0 if first == ctx.target.positive else -1.0
    slope = sign * number(predictors[0].get("coefficient"), predictors[0], "coefficient")
    shift = sign * number(link[0].get("intercept", "0"), link[0], "intercept")
    em.line(f"v, b = {compile_model(ctx, models[0], scope, attr)}")
    if slope != 1.0:
        em.line(f"e[:] = [c * {literal(slope)} for c in e]")
    em.line(
        f"return (v * {literal(slope)} + {literal(shift)}, b * {literal(slope)} + {literal(shift)})"
    )


def _method(model: Element) -> str | None:
    segmentation = model.find("Segmentation")
    return segmentation.get("multipleModelMethod") if segmentation is not None else None


def explain_function(ctx: Ctx, model: Element, scope: Scope, attr: Attribution) -> str:
    """Emit the explaining variant of `model`; returns the call expression (value, base)."""
    from .transforms import transformations

    em = ctx.em.child()
    params = ", ".join([*sorted(v.name for v in scope.values()), "e"])
    name = em.fresh("_explain")
    with em.block(f"def {name}({params}):", model):
        local = transformations(em, model.find("LocalTransformations"), scope, ctx.referenced)
        if model.tag == "RegressionModel":
            _regression(ctx, em, model, local, attr)
        elif model.tag == "TreeModel":
            factor, constant = rescaling(model)
            base = literal(_base(ctx, model, attr) * factor + constant)
            _tree(
                ctx,
                em,
                model,
                local,
                attr,
                factor,
                lambda v: f"return ({literal(v * factor + constant)}, {base})",
            )
        elif _method(model) == "modelChain":
            _chain(ctx, em, model, local, attr, explain_function)
        else:
            _aggregate(ctx, em, model, local, attr)
    ctx.functions.append(em.source())
    return f"{name}({params})"
