"""What the runtime accepts: per element, its allowed children and attributes.

`check_document` walks the whole document (iteratively, never recursively) before anything is
compiled. An element or attribute outside these tables is refused with its path, so nothing
the runtime does not implement can slip through to scoring. Numeric attributes are checked
here too: NaN, infinities and magnitudes above 1e300 are refused everywhere.
"""

from __future__ import annotations

from . import interrupt
from .errors import UnsafeDocument, UnsupportedElement, at
from .numbers import is_sane, parse_number
from .xmlsafe import Element

# Subtrees that carry no scoring semantics and are skipped entirely.
IGNORED = frozenset({"Extension", "Header", "MiningBuildTask", "ModelStats", "ModelExplanation"})

EXPRESSIONS = frozenset(
    {"Constant", "FieldRef", "NormContinuous", "NormDiscrete", "Discretize", "MapValues", "Apply"}
)
PREDICATES = frozenset(
    {"SimplePredicate", "SimpleSetPredicate", "CompoundPredicate", "True", "False"}
)
MODELS = frozenset({"RegressionModel", "TreeModel", "MiningModel"})
# A linear term may carry its training mean: <Extension name="trainingMean" value="...">.
_TERM_PARTS = frozenset({"Extension"})
_MODEL_PARTS = frozenset(
    {"MiningSchema", "Output", "Targets", "LocalTransformations", "ModelVerification"}
)
_MODEL_ATTRS = frozenset({"modelName", "functionName", "algorithmName", "isScorable"})

# element -> (allowed children, allowed attributes)
ELEMENTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "PMML": (
        frozenset({"DataDictionary", "TransformationDictionary"}) | MODELS,
        frozenset({"version"}),
    ),
    "DataDictionary": (frozenset({"DataField"}), frozenset({"numberOfFields"})),
    "DataField": (
        frozenset({"Value", "Interval"}),
        frozenset({"name", "displayName", "optype", "dataType", "isCyclic"}),
    ),
    "Value": (frozenset(), frozenset({"value", "displayValue", "property"})),
    "Interval": (frozenset(), frozenset({"closure", "leftMargin", "rightMargin"})),
    "TransformationDictionary": (frozenset({"DerivedField"}), frozenset()),
    "LocalTransformations": (frozenset({"DerivedField"}), frozenset()),
    "DerivedField": (EXPRESSIONS, frozenset({"name", "displayName", "optype", "dataType"})),
    "Constant": (frozenset(), frozenset({"dataType"})),
    "FieldRef": (frozenset(), frozenset({"field", "mapMissingTo"})),
    "NormContinuous": (
        frozenset({"LinearNorm"}),
        frozenset({"field", "mapMissingTo", "outliers"}),
    ),
    "LinearNorm": (frozenset(), frozenset({"orig", "norm"})),
    "NormDiscrete": (frozenset(), frozenset({"field", "value", "mapMissingTo", "method"})),
    "Discretize": (
        frozenset({"DiscretizeBin"}),
        frozenset({"field", "mapMissingTo", "defaultValue", "dataType"}),
    ),
    "DiscretizeBin": (frozenset({"Interval"}), frozenset({"binValue"})),
    "MapValues": (
        frozenset({"FieldColumnPair", "InlineTable"}),
        frozenset({"mapMissingTo", "defaultValue", "outputColumn", "dataType"}),
    ),
    "FieldColumnPair": (frozenset(), frozenset({"field", "column"})),
    "InlineTable": (frozenset({"row"}), frozenset()),
    "Apply": (
        EXPRESSIONS,
        frozenset({"function", "mapMissingTo", "defaultValue", "invalidValueTreatment"}),
    ),
    "MiningSchema": (frozenset({"MiningField"}), frozenset()),
    "MiningField": (
        frozenset(),
        frozenset(
            {
                "name",
                "usageType",
                "optype",
                "importance",
                "outliers",
                "lowValue",
                "highValue",
                "missingValueReplacement",
                "missingValueTreatment",
                "invalidValueTreatment",
                "invalidValueReplacement",
            }
        ),
    ),
    "Output": (frozenset({"OutputField"}), frozenset()),
    "OutputField": (
        frozenset(),
        frozenset(
            {
                "name",
                "displayName",
                "optype",
                "dataType",
                "targetField",
                "feature",
                "value",
                "isFinalResult",
            }
        ),
    ),
    "Targets": (frozenset({"Target"}), frozenset()),
    "Target": (
        frozenset(),
        frozenset(
            {"field", "optype", "castInteger", "min", "max", "rescaleConstant", "rescaleFactor"}
        ),
    ),
    "RegressionModel": (
        _MODEL_PARTS | {"RegressionTable"},
        _MODEL_ATTRS | {"modelType", "targetFieldName", "normalizationMethod"},
    ),
    "RegressionTable": (
        frozenset({"NumericPredictor", "CategoricalPredictor", "PredictorTerm"}),
        frozenset({"intercept", "targetCategory"}),
    ),
    "NumericPredictor": (_TERM_PARTS, frozenset({"name", "exponent", "coefficient"})),
    "CategoricalPredictor": (_TERM_PARTS, frozenset({"name", "value", "coefficient"})),
    "Extension": (frozenset(), frozenset({"extender", "name", "value"})),
    "PredictorTerm": (frozenset({"FieldRef"}), frozenset({"name", "coefficient"})),
    "TreeModel": (
        _MODEL_PARTS | {"Node"},
        _MODEL_ATTRS
        | {
            "missingValueStrategy",
            "missingValuePenalty",
            "noTrueChildStrategy",
            "splitCharacteristic",
        },
    ),
    "Node": (
        PREDICATES | {"ScoreDistribution", "Node"},
        frozenset({"id", "score", "recordCount", "defaultChild"}),
    ),
    "ScoreDistribution": (
        frozenset(),
        frozenset({"value", "recordCount", "confidence", "probability"}),
    ),
    "SimplePredicate": (frozenset(), frozenset({"field", "operator", "value"})),
    "SimpleSetPredicate": (frozenset({"Array"}), frozenset({"field", "booleanOperator"})),
    "Array": (frozenset(), frozenset({"n", "type"})),
    "CompoundPredicate": (PREDICATES, frozenset({"booleanOperator"})),
    "True": (frozenset(), frozenset()),
    "False": (frozenset(), frozenset()),
    "MiningModel": (_MODEL_PARTS | {"Segmentation"}, _MODEL_ATTRS),
    "Segmentation": (
        frozenset({"Segment"}),
        frozenset({"multipleModelMethod", "missingPredictionTreatment", "missingThreshold"}),
    ),
    "Segment": (PREDICATES | MODELS, frozenset({"id", "weight"})),
    "ModelVerification": (
        frozenset({"VerificationFields", "InlineTable"}),
        frozenset({"recordCount", "fieldCount"}),
    ),
    "VerificationFields": (frozenset({"VerificationField"}), frozenset()),
    "VerificationField": (
        frozenset(),
        frozenset({"field", "column", "precision", "zeroThreshold"}),
    ),
}

NUMERIC_ATTRIBUTES = frozenset(
    {
        "leftMargin",
        "rightMargin",
        "orig",
        "norm",
        "coefficient",
        "intercept",
        "exponent",
        "recordCount",
        "confidence",
        "probability",
        "weight",
        "rescaleConstant",
        "rescaleFactor",
        "min",
        "max",
        "lowValue",
        "highValue",
        "importance",
        "precision",
        "zeroThreshold",
        "missingValuePenalty",
        "missingThreshold",
        "numberOfFields",
        "n",
    }
)


def _check_attributes(element: Element, allowed: frozenset[str]) -> None:
    for name, value in element.attrib.items():
        if name == "xmlns" or name.startswith("xmlns:"):
            continue
        if name not in allowed:
            raise UnsupportedElement(
                at(
                    element.path,
                    f"attribute {name}={value!r} of <{element.tag}> is not supported",
                    "remove it or export the model without it",
                )
            )
        if name in NUMERIC_ATTRIBUTES:
            number = parse_number(value)
            if number is None or not is_sane(number):
                raise UnsafeDocument(
                    at(
                        element.path,
                        f"attribute {name}={value!r} is not a finite number within +-1e300",
                        "export the model again; its parameters are broken",
                    )
                )


def _check_children(element: Element, allowed: frozenset[str]) -> list[Element]:
    kept = []
    for child in element.children:
        if child.tag in IGNORED and not _kept_extension(element, child):
            continue
        if child.tag not in allowed:
            raise UnsupportedElement(
                at(
                    child.path,
                    f"element <{child.tag}> inside <{element.tag}> is not "
                    "supported by this runtime",
                    "export the model without it",
                )
            )
        kept.append(child)
    element.children = kept
    return kept


def _kept_extension(element: Element, child: Element) -> bool:
    """A linear term's training mean (explanations read it); other Extensions are dropped."""
    return (
        child.tag == "Extension"
        and element.tag in ("NumericPredictor", "CategoricalPredictor")
        and child.get("name") == "trainingMean"
        and not child.children
    )


def check_document(root: Element) -> None:
    """Refuse anything outside the supported vocabulary; drop ignored subtrees in place."""
    if root.tag != "PMML":
        raise UnsupportedElement(
            at(root.path, f"root element <{root.tag}>", "send a PMML document")
        )
    namespace = root.get("xmlns", "")
    if not (namespace or "").startswith("http://www.dmg.org/PMML-4_"):
        raise UnsupportedElement(
            at(root.path, f"namespace {namespace!r} is not PMML 4.x", "export PMML 4.4")
        )
    check_subtree(root)


def check_subtree(top: Element) -> None:
    """Refuse anything unsupported in `top` and below (`top` itself must be a known element)."""
    pending = [top]
    while pending:
        interrupt.poll()
        element = pending.pop()
        if element.tag == "row":
            continue
        children, attributes = ELEMENTS[element.tag]
        _check_attributes(element, attributes)
        pending.extend(_check_children(element, children))
