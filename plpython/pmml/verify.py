"""ModelVerification: the document's own expected outputs, replayed through compiled code.

The rows are embedded in the generated module (as plain data), so a model loaded from cached
source can still be verified without the XML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import interrupt
from .errors import InvalidDocument, InvalidInput, PmmlError, at
from .values import number
from .xmlsafe import Element


def _local(name: str) -> str:
    return name.split(":", 1)[-1]


def verification_data(model: Element) -> dict[str, Any] | None:
    """Fields, tolerances and rows of the model's ModelVerification, or None."""
    verification = model.find("ModelVerification")
    if verification is None:
        return None
    fields_el = verification.find("VerificationFields")
    table = verification.find("InlineTable")
    if fields_el is None or table is None:
        raise InvalidDocument(
            at(
                verification.path,
                "incomplete ModelVerification",
                "give ModelVerification both VerificationFields and an InlineTable, or remove it",
            )
        )
    fields = []
    for field in fields_el.findall("VerificationField"):
        name = field.get("field")
        if name is None:
            raise InvalidDocument(
                at(
                    field.path,
                    "VerificationField without field",
                    "give every VerificationField a field attribute naming a MiningField or "
                    "OutputField",
                )
            )
        precision = number(field.get("precision", "1E-6"), field, "precision")
        zero = number(field.get("zeroThreshold", "1E-16"), field, "zeroThreshold")
        fields.append((name, _local(field.get("column") or name), precision, zero))
    rows = [{_local(cell.tag): cell.text for cell in row.children} for row in table.findall("row")]
    return {"fields": fields, "rows": rows}


def acceptable(expected: float, actual: float, precision: float, zero: float) -> bool:
    """JPMML's rule: both within zeroThreshold of 0, or within `precision` relative."""
    if abs(expected) <= zero and abs(actual) <= zero:
        return True
    return abs(actual - expected) <= precision * abs(expected)


def _expected_value(
    name: str, outputs: Mapping[str, tuple[str, Any]], positive: Any, score: float
) -> float | None:
    feature, value = outputs[name]
    if feature == "predictedValue":
        return score
    if value is None:
        return None
    return score if value == positive else 1.0 - score


def _check_row(
    index: int,
    row: Mapping[str, str | None],
    data: Mapping[str, Any],
    meta: Mapping[str, Any],
    score: Callable[[Mapping[str, object]], float],
) -> list[str]:
    inputs = {f["name"] for f in meta["inputs"]}
    record = {name: row.get(column) for name, column, _, _ in data["fields"] if name in inputs}
    try:
        actual = score(record)
    except PmmlError as exc:
        return [f"row {index + 1}: scoring failed: {exc}"]
    problems = []
    for name, column, precision, zero in data["fields"]:
        if name in inputs:
            continue
        if name not in meta["outputs"]:
            problems.append(f"row {index + 1}: cannot verify field {name!r}")
            continue
        text = row.get(column)
        if text is None:
            continue
        wanted = float(text)
        got = _expected_value(name, meta["outputs"], meta["positive"], actual)
        if got is None or not acceptable(wanted, got, precision, zero):
            problems.append(f"row {index + 1}: {name} expected {wanted!r}, got {got!r}")
    return problems


def run(meta: Mapping[str, Any], score: Callable[[Mapping[str, object]], float]) -> list[str]:
    """Mismatch descriptions (empty when every row reproduces)."""
    data = meta["verification"]
    if data is None:
        return ["the document has no ModelVerification; export it after PMMLPipeline.verify()"]
    problems: list[str] = []
    for index, row in enumerate(data["rows"]):
        interrupt.poll()
        problems.extend(_check_row(index, row, data, meta, score))
    return problems


__all__ = ["InvalidInput", "acceptable", "run", "verification_data"]
