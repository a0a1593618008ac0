"""Explanations: the margin (before any logistic) split into per-input contributions.

Contributions are measured from the expected value over the training data. Linear models
contribute coefficient * (term - its training mean), the mean read from the term's
`<Extension name="trainingMean">` (0 without one). Tree models use Saabas path attribution
with node weights: a node's expected value is the recordCount-weighted mean of the
predictions of the training rows that reached it (its leaves, and rows that stopped at the
node itself under noTrueChildStrategy or missingValueStrategy); internal nodes' own scores
count only for the rows that stop there. Each move from a node to its child is credited to
the fields the child's predicate reads. Without recordCounts on the leaves, a node's
expected value is the unweighted mean of its leaves. The contributions of every leaf are
constants computed at compile time, so explaining costs one `e[i] += c` per field on the path.

Only model shapes whose margin is well defined are explained (RegressionModel, TreeModel,
sum/average ensembles of trees, and a modelChain ending in a logistic RegressionModel);
`generate_explain` returns None for anything else. `Tally` generates, from the same code
paths, a function that counts the rows reaching each node and sums each linear term
(`weights.py` turns those into recordCounts and training means).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .codegen import Emitter, Parts, Scope, literal, lookup
from .context import Ctx, function_name, rescaling
from .errors import PmmlError
from .regression import table_sum
from .schema import PREDICATES as PREDICATES_TAGS
from .tree import TreeEmitter, node_value
from .values import number, typed
from .xmlsafe import Element

MEAN_EXTENSION = "trainingMean"  # <Extension extender="pgchurn" name="trainingMean" value=...>


ValueOf = Callable[[Element], float | None]


class _Stats(NamedTuple):
    """A node's parts, its weight (rows reaching it), and whether that is a recordCount.

    The parts are (expected value, weight) of its children in order, then of the rows that
    stopped at the node itself (none for a leaf: it is its own only part).
    """

    parts: list[tuple[float | None, float]]
    weight: float
    counted: bool


class _Walk:
    """Credits the moves of one path; a move through an empty population joins the next."""

    def __init__(self, attr: Attribution, start: float | None) -> None:
        self.attr, self.at = attr, start
        self.out: dict[int, float] = {}
        self.pending: list[int] = []

    def move(self, to: float | None, slots: list[int]) -> None:
        self.pending.extend(slots)
        if to is None:
            return
        self.attr.credit(self.out, self.at, to, sorted(set(self.pending)))
        self.at, self.pending = to, []


class NotExplainable(PmmlError):
    """The model's shape has no explanation here (scoring is unaffected)."""


class Attribution:
    """Maps fields to input slots and emits the contributions of tree paths and linear terms."""

    def __init__(self, inputs: list[str], scope: Scope) -> None:
        self.index = {name: i for i, name in enumerate(inputs)}
        self.other = len(inputs)
        self.scope = scope
        self.values: dict[int, _Stats] = {}
        self.weighted = True  # False once a tree without recordCounts on its leaves is seen
        self.centred = True  # False once a linear term without its training mean is seen

    def accumulator(self) -> str:
        """The initial value of `e` in the generated code."""
        return f"[0.0] * {self.other + 1}"

    def segment_done(self) -> None:
        """Forget the nodes of a finished segment (a later one may reuse their ids)."""
        self.values.clear()

    def slots(self, element: Element, scope: Scope) -> list[int]:
        """Input slots of the fields an element (predicate, term) reads."""
        names, pending = set(), [element]
        while pending:
            current = pending.pop()
            name = current.get("field") or current.get("name")
            if name is not None and current.tag not in ("PredictorTerm", "Extension"):
                names.add(name)
            pending.extend(current.children)
        origins = {o for n in names if n in scope for o in scope[n].origin}
        return sorted(self.index[o] for o in origins if o in self.index)

    def expected(self, node: Element, value_of: ValueOf) -> float | None:
        """A node's expected value: the weighted mean prediction of the rows reaching it."""
        return self.remaining(node, 0, value_of)

    def remaining(self, node: Element, skipped: int, value_of: ValueOf) -> float | None:
        """Expected value of the rows reaching `node` that match none of its first children.

        A node's children are tried in order, so the rows that reach its j-th child are those
        that failed the j-1 before it: the binary tree that a compacted PMML node flattens.
        """
        parts = [(e, w) for e, w in self._stats(node, value_of).parts[skipped:] if e is not None]
        total = sum(w for _, w in parts)
        if total > 0.0:
            return sum(e * w for e, w in parts) / total
        return sum(e for e, _ in parts) / len(parts) if parts else None

    def _stats(self, node: Element, value_of: ValueOf) -> _Stats:
        key = id(node)
        if key not in self.values:
            count = node.get("recordCount")
            weight = number(count, node, "recordCount") if count is not None else None
            children = node.findall("Node")
            if not children:
                self.weighted = self.weighted and weight is not None
                leaf = 1.0 if weight is None else weight
                self.values[key] = _Stats([(value_of(node), leaf)], leaf, weight is not None)
            else:
                below = [self._stats(c, value_of) for c in children]
                self.values[key] = self._inner(node, weight, children, below, value_of)
        return self.values[key]

    def _inner(
        self,
        node: Element,
        weight: float | None,
        children: list[Element],
        below: list[_Stats],
        value_of: ValueOf,
    ) -> _Stats:
        parts = [
            (self.remaining(c, 0, value_of), s.weight) for c, s in zip(children, below, strict=True)
        ]
        reached = sum(s.weight for s in below)
        counted = weight is not None and all(s.counted for s in below)
        own = value_of(node)
        if counted and own is not None and weight is not None and weight > reached:
            parts.append((own, weight - reached))  # rows that stopped at this node
        return _Stats(parts, weight if counted and weight is not None else reached, counted)

    def leaf_lines(
        self, path: list[Element], value: float, value_of: ValueOf, scope: Scope, scale: float
    ) -> list[str]:
        """The statements a prediction at path[-1] adds: its contributions times `scale`."""
        return _lines(self.path(path, value, value_of, scope), scale)

    def path(
        self, path: list[Element], value: float, value_of: ValueOf, scope: Scope
    ) -> dict[int, float]:
        """Contributions of the moves along a root-to-node path, ending at `value`.

        Each sibling tried before the child taken is a move too (credited to the fields it
        tests); a prediction by an inner node moves past all its children.
        """
        walk = _Walk(self, self.expected(path[0], value_of))
        for parent, child in zip(path, path[1:], strict=False):
            children = parent.findall("Node")
            taken = next(i for i, c in enumerate(children) if c is child)
            for i in range(taken):
                walk.move(self.remaining(parent, i + 1, value_of), self._tests(children[i], scope))
            own = self._tests(child, scope) or self._sibling_tests(children, child, scope)
            walk.move(self.expected(child, value_of), own)
        children = path[-1].findall("Node")
        for i, child in enumerate(children):  # an inner node predicts: no child matched
            walk.move(self.remaining(path[-1], i + 1, value_of), self._tests(child, scope))
        walk.move(value, [])
        return walk.out

    def credit(
        self, out: dict[int, float], before: float | None, after: float | None, slots: list[int]
    ) -> None:
        """Add the move from `before` to `after`, split evenly over `slots`."""
        if before is None or after is None or after == before:
            return
        slots = slots or [self.other]
        for slot in slots:
            out[slot] = out.get(slot, 0.0) + (after - before) / len(slots)

    def _tests(self, node: Element, scope: Scope) -> list[int]:
        own = _predicates(node)
        return self.slots(own[0], scope) if own else []

    def _sibling_tests(self, children: list[Element], child: Element, scope: Scope) -> list[int]:
        tested = [p for s in children if s is not child for p in _predicates(s)]
        return sorted({i for p in tested for i in self.slots(p, scope)})

    def term(
        self, em: Emitter, term: Element, value: str, coefficient: float, slots: list[int]
    ) -> float:
        """Emit a linear term's contributions, coefficient * (value - mean); returns the mean."""
        mean = training_mean(term)
        if mean is None:
            self.centred, mean = False, 0.0
        amount = literal(coefficient / len(slots))
        centred = value if mean == 0.0 else f"({value} - {literal(mean)})"
        for slot in slots:
            em.line(f"e[{slot}] += {amount} * {centred}")
        return mean

    def rescale(self, slope: float) -> list[str]:
        """Statements that multiply every contribution by a link's slope."""
        return [] if slope == 1.0 else [f"e[:] = [c * {literal(slope)} for c in e]"]

    def nested(self, call: str, weight: float, scale: float) -> list[str]:
        """Statements that run a nested tree's explaining function and add its contributions."""
        return [
            f"f = [0.0] * {self.other + 1}",
            f"v, _ = {call[:-2]}f)",
            f"acc += {literal(weight)} * v",
            f"for i, c in enumerate(f): e[i] += c * {literal(scale)}",
        ]


class Tally(Attribution):
    """Generates a function that counts the rows reaching each node and sums linear terms.

    `e` becomes a dict: key k counts `keys[k]` = ("node", path) or sums ("term", path).
    """

    def __init__(self, inputs: list[str], scope: Scope) -> None:
        super().__init__(inputs, scope)
        self.keys: list[tuple[str, str]] = []
        self.node_keys: dict[int, int] = {}

    def segment_done(self) -> None:
        """Forget the nodes of a finished segment (a later one may reuse their ids)."""
        super().segment_done()
        self.node_keys.clear()

    def accumulator(self) -> str:
        """`e` is a dict of sums by key."""
        return "{}"

    def _key(self, kind: str, element: Element) -> int:
        self.keys.append((kind, element.path))
        return len(self.keys) - 1

    def leaf_lines(
        self,
        path: list[Element],
        value: float,
        value_of: Callable[[Element], float | None],
        scope: Scope,
        scale: float,
    ) -> list[str]:
        """Count one row at every node of the path (keys are given per node, once)."""
        keys = []
        for node in path:
            if id(node) not in self.node_keys:
                self.node_keys[id(node)] = self._key("node", node)
            keys.append(self.node_keys[id(node)])
        return [f"for _t in {tuple(keys)!r}: e[_t] = e.get(_t, 0.0) + 1.0"]

    def term(
        self, em: Emitter, term: Element, value: str, coefficient: float, slots: list[int]
    ) -> float:
        """Sum the term's value."""
        key = self._key("term", term)
        em.line(f"e[{key}] = e.get({key}, 0.0) + {value}")
        return 0.0

    def rescale(self, slope: float) -> list[str]:
        """Counts are not scaled."""
        return []

    def nested(self, call: str, weight: float, scale: float) -> list[str]:
        """The nested tree counts into the same dict."""
        return [f"v, _ = {call}", f"acc += {literal(weight)} * v"]


def training_mean(term: Element) -> float | None:
    """A linear term's training mean, from its `<Extension name="trainingMean">`, or None."""
    for extension in term.findall("Extension"):
        if extension.get("name") == MEAN_EXTENSION:
            return number(extension.get("value"), extension, "trainingMean")
    return None


def _predicates(node: Element) -> list[Element]:
    return [c for c in node.children if c.tag in PREDICATES_TAGS]


def _lines(contributions: dict[int, float], scale: float) -> list[str]:
    return [
        f"e[{i}] += {literal(c * scale)}"
        for i, c in sorted(contributions.items())
        if c * scale != 0.0
    ]


def _value_of(ctx: Ctx, model: Element) -> Callable[[Element], float | None]:
    from .model_functions import tree_target

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
    from .model_functions import tree_target

    value_of = _value_of(ctx, model)
    emitter: TreeEmitter

    def action(value: float) -> list[str]:
        return [*attr.leaf_lines(emitter.stack, value, value_of, scope, scale), leaf(value)]

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
    means = _terms(em, table, scope, attr, factor)
    intercept = number(table.get("intercept"), table, "intercept")
    em.line(f"y = {table_sum(em, table, scope)}")
    em.line(
        f"return (y * {literal(factor)} + {literal(constant)}, "
        f"{literal(intercept * factor + constant + means)})"
    )


def _has_terms(table: Element) -> bool:
    return bool(table.children) or number(table.get("intercept"), table, "intercept") != 0.0


def _terms(em: Emitter, table: Element, scope: Scope, attr: Attribution, factor: float) -> float:
    """Emit each term's contributions; returns the sum of coefficient * training mean."""
    total = 0.0
    for term in table.children:
        slots = attr.slots(term, scope) or [attr.other]
        if term.tag == "NumericPredictor":
            var = lookup(scope, term.get("name"), term)
            exponent = int(number(term.get("exponent", "1"), term, "exponent"))
            value = f"{var.name} ** {exponent}"
        elif term.tag == "CategoricalPredictor":
            var = lookup(scope, term.get("name"), term)
            category = typed(term.get("value"), var.dtype, term, "value")
            value = f"(1.0 if {var.name} == {literal(category)} else 0.0)"
        else:
            raise NotExplainable(f"{term.path}: interaction terms")
        coefficient = number(term.get("coefficient"), term, "coefficient") * factor
        total += coefficient * attr.term(em, term, value, coefficient, slots)
    return total


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
            for line in attr.nested(call, weight, scale):
                out.line(line)
        attr.segment_done()  # keyed by id(): a later segment's nodes may reuse the ids
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
    for line in attr.rescale(slope):
        em.line(line)
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
