"""Compilation context shared by the model compilers: target, outputs, Targets rescaling."""

from __future__ import annotations

from dataclasses import dataclass

from .codegen import Emitter, Functions
from .errors import InvalidDocument, UnsupportedElement, at
from .fields import DataFieldSpec
from .values import choice, number, typed
from .xmlsafe import Element


@dataclass
class Target:
    """The predicted field: its name, type, and the positive class for probabilities."""

    name: str | None
    dtype: str = "string"
    positive: str | float | None = None
    negative: str | float | None = None


@dataclass
class Ctx:
    """What every model compiler needs: emitter, referenced fields, target, functions."""

    em: Emitter
    referenced: set[str]
    target: Target
    functions: Functions


def binary_target(spec: DataFieldSpec | None, name: str | None, where: Element) -> Target:
    """The target of a binary classifier; the positive class is "1", else the second value."""
    if spec is None or not spec.valid or len(spec.valid) != 2:
        raise UnsupportedElement(
            at(
                where.path,
                f"target {name!r} does not list exactly two classes",
                "train a binary classifier (this runtime scores binary targets only)",
            )
        )
    labels = list(spec.valid)
    one = typed("1", spec.dtype, where, "class") if spec.dtype != "float" else 1.0
    positive = one if one in labels else labels[1]
    negative = labels[0] if labels[1] == positive else labels[1]
    return Target(name, spec.dtype, positive, negative)


def rescaling(model: Element) -> tuple[float, float]:
    """(rescaleFactor, rescaleConstant) of the model's Targets; (1, 0) without Targets."""
    targets = model.find("Targets")
    if targets is None:
        return 1.0, 0.0
    found = targets.findall("Target")
    if len(found) != 1:
        raise UnsupportedElement(
            at(
                targets.path,
                "Targets needs exactly one Target",
                "keep one Target element inside Targets (one per predicted field), or remove "
                "Targets",
            )
        )
    target = found[0]
    for name in ("castInteger", "min", "max"):
        if target.get(name) is not None:
            raise UnsupportedElement(at(target.path, f"Target {name}", "remove it"))
    factor = number(target.get("rescaleFactor", "1"), target, "rescaleFactor")
    constant = number(target.get("rescaleConstant", "0"), target, "rescaleConstant")
    return factor, constant


def function_name(model: Element) -> str:
    """Classification or regression."""
    return choice(model, "functionName", "", ("classification", "regression"))


def check_scorable(model: Element) -> None:
    """Refuse models marked isScorable=false."""
    if model.get("isScorable", "true") != "true":
        raise InvalidDocument(
            at(
                model.path,
                "the model is marked isScorable=false",
                'export a model that can score, or set isScorable="true" if the exporter '
                "marked it so by mistake",
            )
        )


def output_fields(model: Element) -> list[tuple[str, str, str | None]]:
    """(name, feature, value) of each OutputField; only predictedValue and probability."""
    output = model.find("Output")
    result = []
    for field_ in output.findall("OutputField") if output is not None else []:
        feature = choice(field_, "feature", "predictedValue", ("predictedValue", "probability"))
        name = field_.get("name")
        if name is None:
            raise InvalidDocument(
                at(
                    field_.path,
                    "OutputField without name",
                    "give the OutputField a name attribute, or remove it",
                )
            )
        result.append((name, feature, field_.get("value")))
    return result
