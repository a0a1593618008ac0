"""RegressionModel: linear predictors, logit/softmax/none normalization, binary classes.

Terms are summed in JPMML-Evaluator's order (numeric predictors, categorical predictors,
predictor terms, then the intercept). A categorical field's coefficients become one dict
lookup; a missing categorical value contributes nothing ("the field is ignored", PMML 4.4),
while a missing numeric value leaves the model without a prediction.
"""

from __future__ import annotations

from .codegen import Emitter, Scope, Var, literal, lookup, required
from .context import Ctx, function_name, rescaling
from .errors import InvalidDocument, UnsupportedElement, at
from .values import choice, number, typed
from .xmlsafe import Element


def _require_present(em: Emitter, var: Var, element: Element) -> None:
    if var.missing:
        em.line(
            f"if {var.name} is None: raise _nopred({element.path!r}, "
            f"{'field ' + repr(var.name) + ' is missing'!r})"
        )


def _numeric_terms(em: Emitter, table: Element, scope: Scope) -> list[str]:
    terms = []
    for predictor in table.findall("NumericPredictor"):
        var = lookup(scope, predictor.get("name"), predictor)
        if not var.numeric:
            raise InvalidDocument(
                at(
                    predictor.path,
                    "NumericPredictor on a string field",
                    "use a CategoricalPredictor for a string field",
                )
            )
        _require_present(em, var, predictor)
        coefficient = literal(number(predictor.get("coefficient"), predictor, "coefficient"))
        exponent = number(predictor.get("exponent", "1"), predictor, "exponent")
        if exponent != 1.0:
            if not exponent.is_integer():
                raise UnsupportedElement(
                    at(
                        predictor.path,
                        "non-integer exponent",
                        "use a whole-number exponent on the NumericPredictor, or derive the "
                        "power as a DerivedField",
                    )
                )
            terms.append(f"{coefficient} * {var.name} ** {int(exponent)}")
        else:
            terms.append(f"{coefficient} * {var.name}")
    return terms


def _categorical_terms(em: Emitter, table: Element, scope: Scope) -> list[str]:
    groups: dict[str, dict[object, float]] = {}
    for predictor in table.findall("CategoricalPredictor"):
        var = lookup(scope, predictor.get("name"), predictor)
        value = typed(predictor.get("value"), var.dtype, predictor, "value")
        coefficient = number(predictor.get("coefficient"), predictor, "coefficient")
        groups.setdefault(var.name, {}).setdefault(value, coefficient)
    terms = []
    for name, mapping in groups.items():
        pairs = ", ".join(f"{literal(k)}: {literal(v)}" for k, v in mapping.items())
        terms.append(f"{em.constant('_C', '{' + pairs + '}')}.get({name}, 0.0)")
    return terms


def _product_terms(em: Emitter, table: Element, scope: Scope) -> list[str]:
    terms = []
    for term in table.findall("PredictorTerm"):
        coefficient = literal(number(term.get("coefficient"), term, "coefficient"))
        factors = []
        for ref in term.findall("FieldRef"):
            var = lookup(scope, ref.get("field"), ref)
            if ref.get("mapMissingTo") is not None or not var.numeric:
                raise UnsupportedElement(
                    at(
                        ref.path,
                        "this FieldRef in a PredictorTerm",
                        "multiply continuous fields only, with no mapMissingTo on the FieldRef "
                        "(impute in a DerivedField)",
                    )
                )
            _require_present(em, var, term)
            factors.append(var.name)
        if not factors:
            raise InvalidDocument(
                at(
                    term.path,
                    "PredictorTerm without FieldRef",
                    "list the multiplied fields as FieldRef children of the PredictorTerm",
                )
            )
        terms.append(" * ".join([coefficient, *factors]))
    return terms


def table_sum(em: Emitter, table: Element, scope: Scope) -> str:
    """A Python expression for the linear predictor of one RegressionTable."""
    terms = _numeric_terms(em, table, scope) + _categorical_terms(em, table, scope)
    terms += _product_terms(em, table, scope)
    intercept = number(table.get("intercept"), table, "intercept")
    return " + ".join([*terms, literal(intercept)]) if terms else literal(intercept)


def _is_default(table: Element) -> bool:
    has_terms = any(t.tag != "Extension" for t in table.children)
    return not has_terms and number(table.get("intercept"), table, "intercept") == 0.0


def _regression(ctx: Ctx, em: Emitter, model: Element, scope: Scope, method: str) -> None:
    tables = model.findall("RegressionTable")
    if len(tables) != 1:
        raise InvalidDocument(
            at(
                model.path,
                "a regression needs one RegressionTable",
                "give the RegressionModel a RegressionTable (one per target category for a "
                "classifier)",
            )
        )
    em.line(f"y = {table_sum(em, tables[0], scope)}")
    if method in ("logit", "softmax"):
        em.line("y = _logistic(y)")
    factor, constant = rescaling(model)
    em.line(
        f"return y * {literal(factor)} + {literal(constant)}"
        if (factor, constant) != (1.0, 0.0)
        else "return y"
    )


def _classification(ctx: Ctx, em: Emitter, model: Element, scope: Scope, method: str) -> None:
    tables = model.findall("RegressionTable")
    if len(tables) != 2:
        raise UnsupportedElement(
            at(
                model.path,
                f"{len(tables)} RegressionTables: only binary classification is supported",
                "train a binary classifier",
            )
        )
    if rescaling(model) != (1.0, 0.0):
        raise UnsupportedElement(
            at(
                model.path,
                "Targets rescaling of a classifier",
                "remove the rescaleFactor/rescaleConstant of the Target of a classification model",
            )
        )
    target = ctx.target
    first = typed(required(tables[0], "targetCategory"), target.dtype, tables[0], "category")
    second = typed(required(tables[1], "targetCategory"), target.dtype, tables[1], "category")
    if {first, second} != {target.positive, target.negative}:
        raise InvalidDocument(
            at(
                model.path,
                "RegressionTable categories are not the target's two classes",
                "set each RegressionTable's targetCategory to one of the target DataField's "
                "two Values",
            )
        )
    em.line(f"y = {table_sum(em, tables[0], scope)}")
    if method == "softmax" and not _is_default(tables[1]):
        em.line(f"z = {table_sum(em, tables[1], scope)}")
        em.line("p = _logistic(y - z)")
    elif method == "none":
        em.line("p = 0.0 if y < 0.0 else 1.0 if y > 1.0 else y")
    else:
        em.line("p = _logistic(y)")
    em.line("return p" if first == target.positive else "return 1.0 - p")


def emit_regression(ctx: Ctx, em: Emitter, model: Element, scope: Scope) -> None:
    """Emit the body of a RegressionModel function (ends with `return`)."""
    method = choice(model, "normalizationMethod", "none", ("none", "logit", "softmax"))
    if function_name(model) == "regression":
        _regression(ctx, em, model, scope, method)
    else:
        _classification(ctx, em, model, scope, method)
