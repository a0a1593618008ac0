"""MiningModel Segmentation.

Methods: sum, average, weightedAverage, (weighted)majorityVote, modelChain and selectFirst.

Tree segments of an ensemble are inlined into the ensemble's function as nested if/else
blocks whose leaves do `acc += value`; other segments are calls to their own function.
Only missingPredictionTreatment=returnMissing is implemented: a segment without prediction
leaves the whole model without prediction.
"""

from __future__ import annotations

from collections.abc import Callable

from .codegen import Emitter, Parts, Scope, Var, literal
from .context import Ctx, function_name, output_fields, rescaling
from .errors import InvalidDocument, UnsupportedElement, at
from .fields import nested_schema
from .predicates import node_predicate
from .schema import MODELS
from .tree import TreeEmitter, TreeTarget
from .values import choice, number, typed
from .xmlsafe import Element

ModelFunction = Callable[..., str]
_AGGREGATES = ("sum", "average", "weightedAverage", "majorityVote", "weightedMajorityVote")
METHODS = (*_AGGREGATES, "modelChain", "selectFirst")


def _segment_model(segment: Element) -> Element:
    models = [c for c in segment.children if c.tag in MODELS]
    if len(models) != 1:
        raise InvalidDocument(
            at(
                segment.path,
                "a Segment needs exactly one model",
                "put exactly one model element (e.g. TreeModel) in each Segment",
            )
        )
    return models[0]


def _always(ctx: Ctx, em: Emitter, segment: Element, scope: Scope, method: str) -> None:
    pred = node_predicate(em, segment, scope, frozenset())
    if pred.unk is not None or pred.tru != "True":
        raise UnsupportedElement(
            at(
                segment.path,
                f"a Segment predicate other than <True/> in {method}",
                "use selectFirst for conditional segments",
            )
        )


def _inlinable(model: Element) -> bool:
    return (
        model.tag == "TreeModel"
        and model.find("LocalTransformations") is None
        and rescaling(model) == (1.0, 0.0)
    )


def _check_kind(model: Element, method: str, parent: str) -> None:
    wanted = "classification" if method.endswith("ajorityVote") else parent
    if function_name(model) != wanted:
        raise UnsupportedElement(
            at(
                model.path,
                f"a {function_name(model)} segment in a {parent} {method}",
                "segments of an ensemble must predict the same kind of value",
            )
        )
    if method.endswith("ajorityVote") and model.tag != "TreeModel":
        raise UnsupportedElement(
            at(
                model.path,
                "majority vote over non-tree models",
                "use majority vote with TreeModel segments only, or export with average or "
                "weightedAverage",
            )
        )


def _aggregate(
    ctx: Ctx, em: Emitter, mining: Element, scope: Scope, method: str, compile_model: ModelFunction
) -> None:
    parent = function_name(mining)
    total = 0.0
    em.line("acc = 0.0")
    parts = Parts(em, ", ".join(sorted(v.name for v in scope.values())), ctx.functions)
    for segment in mining.find("Segmentation").each("Segment"):  # type: ignore[union-attr]
        _always(ctx, em, segment, scope, method)
        model = _segment_model(segment)
        _check_kind(model, method, parent)
        weight = number(segment.get("weight", "1"), segment, "weight")
        if not method.startswith("weighted"):
            weight = 1.0
        total += weight
        out = parts.target()
        if method.endswith("ajorityVote") or _inlinable(model):
            _inline_tree(ctx, out, model, scope, method, weight)
        else:
            call = compile_model(ctx, model, scope)
            out.line(f"acc += {call}" if weight == 1.0 else f"acc += {literal(weight)} * {call}")
        parts.segment_done()
    parts.close()
    if total <= 0.0:
        raise InvalidDocument(
            at(
                mining.path,
                "no segments (or zero total weight)",
                "add Segment elements to the Segmentation, with weights whose sum is positive",
            )
        )
    _finish(ctx, em, mining, method, total)


def _inline_tree(
    ctx: Ctx, em: Emitter, model: Element, scope: Scope, method: str, weight: float
) -> None:
    nested_schema(model, scope)
    kind = (
        "vote"
        if method.endswith("ajorityVote")
        else ("regression" if function_name(model) == "regression" else "probability")
    )
    target = TreeTarget(kind, ctx.target.positive, ctx.target.dtype)

    def action(value: float) -> str:
        return f"acc += {literal(weight * value)}" if weight * value != 0.0 else "pass"

    TreeEmitter(em, model, scope, target, action).emit()


def _finish(ctx: Ctx, em: Emitter, mining: Element, method: str, total: float) -> None:
    result = "acc" if method == "sum" else f"acc / {literal(total)}"
    factor, constant = rescaling(mining)
    if (factor, constant) != (1.0, 0.0):
        if function_name(mining) != "regression":
            raise UnsupportedElement(
                at(
                    mining.path,
                    "Targets rescaling of a classifier",
                    "remove the rescaleFactor/rescaleConstant of the Target of a classification "
                    "model",
                )
            )
        em.line(f"return ({result}) * {literal(factor)} + {literal(constant)}")
    else:
        em.line(f"return {result}")


def _chain_outputs(ctx: Ctx, em: Emitter, model: Element, result: str, scope: Scope) -> Scope:
    scope = dict(scope)
    for name, feature, value in output_fields(model):
        var = em.fresh("o")
        if feature == "predictedValue":
            if function_name(model) != "regression":
                raise UnsupportedElement(
                    at(
                        model.path,
                        "predictedValue of a classifier as a chain input",
                        "chain probabilities instead",
                    )
                )
            em.line(f"{var} = {result}")
        else:
            label = typed(value, ctx.target.dtype, model, "OutputField value")
            em.line(
                f"{var} = {result}" if label == ctx.target.positive else f"{var} = 1.0 - {result}"
            )
        scope[name] = Var(var, "double", "continuous", False)
    return scope


def _model_chain(
    ctx: Ctx, em: Emitter, mining: Element, scope: Scope, compile_model: ModelFunction
) -> None:
    segments = mining.find("Segmentation").findall("Segment")  # type: ignore[union-attr]
    if not segments:
        raise InvalidDocument(
            at(
                mining.path,
                "a modelChain without segments",
                "add the chain's models as Segment elements of the Segmentation",
            )
        )
    result = ""
    for segment in segments:
        _always(ctx, em, segment, scope, "modelChain")
        model = _segment_model(segment)
        result = em.fresh("r")
        em.line(f"{result} = {compile_model(ctx, model, scope)}")
        scope = _chain_outputs(ctx, em, model, result, scope)
    if function_name(model) != function_name(mining):
        raise UnsupportedElement(
            at(
                model.path,
                "the chain's last model predicts another kind of value than the MiningModel",
                "give the chain's last Segment a model with the MiningModel's functionName",
            )
        )
    factor, constant = rescaling(mining)
    em.line(
        f"return {result}"
        if (factor, constant) == (1.0, 0.0)
        else f"return {result} * {literal(factor)} + {literal(constant)}"
    )


def _select_first(
    ctx: Ctx, em: Emitter, mining: Element, scope: Scope, compile_model: ModelFunction
) -> None:
    factor, constant = rescaling(mining)
    for segment in mining.find("Segmentation").findall("Segment"):  # type: ignore[union-attr]
        pred = node_predicate(em, segment, scope, frozenset())
        model = _segment_model(segment)
        if function_name(model) != function_name(mining):
            raise UnsupportedElement(
                at(
                    model.path,
                    "a segment of another kind",
                    "give every Segment's model the functionName of its MiningModel",
                )
            )
        condition = pred.tru if pred.unk is None else f"not ({pred.unk}) and {pred.tru}"
        with em.block(f"if {condition}:", segment):
            call = compile_model(ctx, model, scope)
            em.line(
                f"return {call}"
                if (factor, constant) == (1.0, 0.0)
                else f"return {call} * {literal(factor)} + {literal(constant)}"
            )
    em.line(f"raise _nopred({mining.path!r}, 'no segment predicate is true')")


def emit_mining(
    ctx: Ctx, em: Emitter, mining: Element, scope: Scope, compile_model: ModelFunction
) -> None:
    """Emit the body of a MiningModel function (ends with `return`)."""
    segmentation = mining.find("Segmentation")
    if segmentation is None:
        raise InvalidDocument(
            at(
                mining.path,
                "MiningModel without Segmentation",
                "add a Segmentation with the ensemble's Segment elements to the MiningModel",
            )
        )
    method = choice(segmentation, "multipleModelMethod", "", METHODS)
    choice(segmentation, "missingPredictionTreatment", "continue", ("returnMissing",))
    if method == "modelChain":
        _model_chain(ctx, em, mining, scope, compile_model)
    elif method == "selectFirst":
        _select_first(ctx, em, mining, scope, compile_model)
    else:
        _aggregate(ctx, em, mining, scope, method, compile_model)
