"""TreeModel compiled to nested if/elif/else statements, one tree per block.

The caller says what reaching a prediction does (`return v` for a stand-alone tree,
`acc += v` for a tree inlined in an ensemble). missingValueStrategy none, nullPrediction,
lastPrediction and defaultChild and noTrueChildStrategy are implemented as PMML 4.4 and
JPMML-Evaluator define them; a default child's subtree is emitted once, never duplicated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import interrupt
from .codegen import Emitter, Scope
from .errors import InvalidDocument, UnsupportedElement, at
from .predicates import Pred, node_predicate
from .values import choice, number, typed
from .xmlsafe import Element

STRATEGIES = ("none", "nullPrediction", "lastPrediction", "defaultChild")


@dataclass
class TreeTarget:
    """What a tree predicts: `kind` is regression, probability (of `positive`) or vote."""

    kind: str
    positive: str | float | None
    dtype: str = "string"


def _label(value: str, target: TreeTarget, element: Element) -> str | float:
    return typed(value, target.dtype, element, "class label")


def _probability(node: Element, target: TreeTarget) -> float | None:
    distributions = node.findall("ScoreDistribution")
    if not distributions:
        score = node.get("score")
        if score is None:
            return None
        return 1.0 if _label(score, target, node) == target.positive else 0.0
    if any(d.get("probability") is not None for d in distributions):
        for d in distributions:
            if _label(d.get("value") or "", target, d) == target.positive:
                return number(d.get("probability"), d, "probability")
        return 0.0
    counts = [(d, number(d.get("recordCount"), d, "recordCount")) for d in distributions]
    total = sum(c for _, c in counts)
    if total <= 0.0:
        raise InvalidDocument(
            at(
                node.path,
                "ScoreDistribution counts sum to 0",
                "give the Node's ScoreDistribution elements recordCount values whose sum is "
                "positive",
            )
        )
    positive = [c for d, c in counts if _label(d.get("value") or "", target, d) == target.positive]
    return positive[0] / total if positive else 0.0


def node_value(node: Element, target: TreeTarget) -> float | None:
    """The prediction of a node for the target kind, or None if it has none."""
    if target.kind == "probability":
        return _probability(node, target)
    score = node.get("score")
    if score is None:
        return None
    if target.kind == "vote":
        return 1.0 if _label(score, target, node) == target.positive else 0.0
    return number(score, node, "score")


class TreeEmitter:
    """Emits one tree; `action(value)` is the statement for reaching a prediction."""

    def __init__(
        self,
        em: Emitter,
        tree: Element,
        scope: Scope,
        target: TreeTarget,
        action: Callable[[float], str | list[str]],
    ) -> None:
        self.em, self.tree, self.scope = em, tree, scope
        self.target, self.action = target, action
        self.stack: list[Element] = []
        self.strategy = choice(tree, "missingValueStrategy", "none", STRATEGIES)
        self.no_true = choice(
            tree,
            "noTrueChildStrategy",
            "returnNullPrediction",
            ("returnNullPrediction", "returnLastPrediction"),
        )

    def emit(self) -> None:
        """Emit the tree, starting with the root node's own predicate."""
        root = self.tree.find("Node")
        if root is None or len(self.tree.findall("Node")) != 1:
            raise InvalidDocument(
                at(
                    self.tree.path,
                    "a TreeModel needs one root Node",
                    "give the TreeModel exactly one Node child, the root",
                )
            )
        pred = node_predicate(self.em, root, self.scope, frozenset())
        if pred.unk is None and pred.tru == "True":
            self.node(root, frozenset())
            return
        with self.em.block(f"if {self._known_true(pred)}:", root):
            self.node(root, frozenset())
        with self.em.block("else:"):
            self._no_prediction(root, "the root node's predicate is not true")

    def _known_true(self, pred: Pred) -> str:
        return pred.tru if pred.unk is None else f"not ({pred.unk}) and {pred.tru}"

    def _no_prediction(self, node: Element, why: str) -> None:
        self.em.line(f"raise _nopred({node.path!r}, {why!r})")

    def result(self, node: Element) -> None:
        """Emit `node` being the prediction."""
        value = node_value(node, self.target)
        if value is None:
            self._no_prediction(node, "the node that decides has no score")
        else:
            lines = self.action(value)
            for line in [lines] if isinstance(lines, str) else lines:
                self.em.line(line)

    def _no_true_child(self, node: Element) -> None:
        if self.no_true == "returnLastPrediction":
            self.result(node)
        else:
            self._no_prediction(node, "no child node's predicate is true")

    def node(self, node: Element, known: frozenset[str]) -> None:
        """Emit the evaluation of `node`'s children (or its result for a leaf)."""
        interrupt.poll()
        children = node.findall("Node")
        self.stack.append(node)
        if not children:
            self.result(node)
        elif self.strategy == "defaultChild":
            self._default_chain(node, children, known)
        else:
            self._chain(node, children, known)
        self.stack.pop()

    def _on_unknown(self, node: Element) -> None:
        if self.strategy == "lastPrediction":
            self.result(node)
        else:
            self._no_prediction(node, "a value the tree needs is missing")

    def _chain(self, node: Element, children: list[Element], known: frozenset[str]) -> None:
        keyword = "if"
        for child in children:
            pred = node_predicate(self.em, child, self.scope, known)
            if pred.unk is not None and self.strategy != "none":
                with self.em.block(f"{keyword} {pred.unk}:", child):
                    self._on_unknown(node)
                keyword = "elif"
                known = known | {pred.var} if pred.var else known
                pred = Pred(None, pred.tru, pred.var)
            inner = known | {pred.var} if pred.var else known
            if pred.unk is None and pred.tru == "True":
                with self.em.block("else:" if keyword == "elif" else "if True:", child):
                    self.node(child, inner)
                return
            with self.em.block(f"{keyword} {self._known_true(pred)}:", child):
                self.node(child, inner)
            keyword = "elif"
        with self.em.block("else:"):
            self._no_true_child(node)

    def _default_index(self, node: Element, children: list[Element]) -> int | None:
        wanted = node.get("defaultChild")
        if wanted is None:
            return None
        for index, child in enumerate(children):
            if child.get("id") == wanted:
                return index
        raise InvalidDocument(
            at(
                node.path,
                f"defaultChild={wanted!r} names no child",
                "set defaultChild to the id of one of the Node's child Nodes",
            )
        )

    def _default_chain(self, node: Element, children: list[Element], known: frozenset[str]) -> None:
        preds = [node_predicate(self.em, c, self.scope, known) for c in children]
        unknowns = [i for i, p in enumerate(preds) if p.unk is not None]
        default = self._default_index(node, children)
        if not unknowns:
            self._chain(node, children, known)
            return
        if default is None:
            raise UnsupportedElement(
                at(
                    node.path,
                    "missingValueStrategy=defaultChild but this Node has no defaultChild",
                    "set defaultChild on the Node to the id of one of its children, or choose "
                    "another missingValueStrategy",
                )
            )
        same = len({preds[i].unk for i in unknowns}) == 1
        if same and unknowns[0] <= default:
            self._shared_unknown_chain(node, children, preds, default, known)
        else:
            self._selector_chain(node, children, preds, default, known)

    def _shared_unknown_chain(
        self,
        node: Element,
        children: list[Element],
        preds: list[Pred],
        default: int,
        known: frozenset[str],
    ) -> None:
        first = next(i for i, p in enumerate(preds) if p.unk is not None)
        unk = preds[first].unk
        keyword = "if"
        for index, (child, pred) in enumerate(zip(children, preds, strict=True)):
            present = known | {pred.var} if pred.var else known
            if index == default:
                condition, inner = f"{unk} or {pred.tru}", known
            elif first <= index < default:
                condition, inner = f"not ({unk}) and {pred.tru}", present
            else:
                condition, inner = pred.tru, present
            with self.em.block(f"{keyword} {condition}:", child):
                self.node(child, inner)
            keyword = "elif"
        with self.em.block("else:"):
            self._no_true_child(node)

    def _selector_chain(
        self,
        node: Element,
        children: list[Element],
        preds: list[Pred],
        default: int,
        known: frozenset[str],
    ) -> None:
        keyword = "if"
        for index, pred in enumerate(preds):
            if pred.unk is not None:
                with self.em.block(f"{keyword} {pred.unk}:"):
                    self.em.line(f"_k = {default}")
                keyword = "elif"
            with self.em.block(f"{keyword} {pred.tru}:"):
                self.em.line(f"_k = {index}")
            keyword = "elif"
        with self.em.block("else:"):
            self.em.line("_k = -1")
        for index, child in enumerate(children):
            with self.em.block(f"{'if' if index == 0 else 'elif'} _k == {index}:", child):
                self.node(child, known)
        with self.em.block("else:"):
            self._no_true_child(node)
