"""One generated Python function per model element (RegressionModel, TreeModel, MiningModel).

A model function takes the locals of its enclosing scope as arguments, computes its own
LocalTransformations, and returns a float: the predicted value of a regression (after
Targets) or the probability of the positive class of a classification. A record for which
PMML defines no prediction raises InvalidInput instead of returning.
"""

from __future__ import annotations

from .codegen import Emitter, Scope, literal
from .context import Ctx, check_scorable, function_name, rescaling
from .errors import UnsupportedElement, at
from .fields import nested_schema
from .mining import emit_mining
from .regression import emit_regression
from .transforms import transformations
from .tree import TreeEmitter, TreeTarget
from .xmlsafe import Element


def tree_target(ctx: Ctx, model: Element, kind: str | None = None) -> TreeTarget:
    """How a tree's nodes predict: regression value, probability, or vote."""
    if kind is None:
        kind = "regression" if function_name(model) == "regression" else "probability"
    return TreeTarget(kind, ctx.target.positive, ctx.target.dtype)


def _emit_tree(ctx: Ctx, em: Emitter, model: Element, scope: Scope) -> None:
    factor, constant = rescaling(model)
    target = tree_target(ctx, model)
    if target.kind != "regression" and (factor, constant) != (1.0, 0.0):
        raise UnsupportedElement(
            at(
                model.path,
                "Targets rescaling of a classifier",
                "remove the rescaleFactor/rescaleConstant of the Target of a classification model",
            )
        )
    TreeEmitter(
        em, model, scope, target, lambda v: f"return {literal(v * factor + constant)}"
    ).emit()


def model_function(ctx: Ctx, model: Element, scope: Scope, *, top: bool = False) -> str:
    """Emit the function for `model`; returns the Python expression that calls it."""
    check_scorable(model)
    em = ctx.em.child()
    params = ", ".join(sorted(v.name for v in scope.values()))
    name = em.fresh("_model")
    with em.block(f"def {name}({params}):", model):
        if not top:
            nested_schema(model, scope)
        local = transformations(em, model.find("LocalTransformations"), scope, ctx.referenced)
        if model.tag == "RegressionModel":
            emit_regression(ctx, em, model, local)
        elif model.tag == "TreeModel":
            _emit_tree(ctx, em, model, local)
        else:
            emit_mining(ctx, em, model, local, model_function)
    ctx.functions.append(em.source())
    return f"{name}({params})"
