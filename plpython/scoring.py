"""churn.predict and churn.score_customer: features in, probability of churn out.

Where the PMML's own rules give no prediction for a record (a tree with no true child for a
category it never saw, say), these return NULL, as JPMML-Evaluator returns a missing value: one
such row never fails an analyst's whole query. An invalid value (returnInvalid) still fails,
naming the field.
"""

from __future__ import annotations

from . import db, errors, model_cache
from .features import flatten, loads
from .pmml import CompiledModel, NoPrediction, PmmlError

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from typing import Any

CUSTOMER_FEATURES = (
    "SELECT * FROM churn.feature_frame(now(), every_column => true) WHERE customer_id = $1"
)


def predict(features_json: str | None, model_id: int | None) -> float | None:
    """Score a jsonb object of features with the given model, or the active one."""
    features = _parse(features_json)
    _, sha = model_cache.resolve(model_id)
    model = model_cache.compiled(sha)
    if not model.input_names <= features.keys():
        record_for(model, features, source="features")  # raises, naming the missing field
    return score(model, features)  # the model reads only its input fields


def predict_many(
    rows: list[dict[str, Any] | None] | None, model_id: int | None
) -> list[float | None]:
    """Score an array of churn.features rows with one model: one call, one model lookup.

    A NULL element, or one the model gives no prediction for, scores NULL; an element that
    cannot be scored fails the call, naming its position, the field and the fix (as
    churn.predict does for one row).
    """
    if rows is None:
        errors.refuse(
            "features must not be NULL",
            hint="pass an array of churn.features, for example "
            "(SELECT array_agg(f::churn.features) FROM churn.feature_frame(now()) f)",
        )
    _, sha = model_cache.resolve(model_id)
    model = model_cache.compiled(sha)
    run = model.score
    scores: list[float | None] = []
    position = 0
    try:
        # Every element is a churn.features row, so one check of the fields covers them all.
        records = [None if row is None else flatten(row) for row in rows]
        first = next((record for record in records if record is not None), None)
        if first is not None and not model.input_names <= first.keys():
            record_for(model, first, source="churn.features")  # raises, naming the field
        for position, record in enumerate(records, start=1):  # noqa: B007 - named in the error
            scores.append(None if record is None else _or_none(run, record))
    except PmmlError as exc:
        errors.refuse(f"cannot score features[{position}]: {exc}")
    return scores


def predict_many_json(features_json: str | None, model_id: int | None) -> list[float | None]:
    """Score a jsonb array of feature objects with one model: one call, one model lookup.

    Each element is an object of features: flat, as churn.customer_features gives, or a
    churn.feature_frame row whose company attributes sit in its `attributes` object (what
    to_jsonb of a frame row, and churn.predict_many(anyarray), pass). A JSON null element, or
    one the model gives no prediction for, scores NULL; an element that cannot be scored fails
    the call, naming its position, the field and the fix.
    """
    if features_json is None:
        errors.refuse(
            "features must not be NULL",
            hint="pass a jsonb array of feature objects, for example "
            "(SELECT jsonb_agg(churn.customer_features(customer_id)) FROM churn.customer_profile)",
        )
    rows = loads(features_json)
    if not isinstance(rows, list):
        errors.refuse(
            f"features must be a jsonb array of objects, not {_a(_json_kind(rows))}",
            hint="for one customer use churn.predict; for many, jsonb_agg(...) or array_agg(...)",
        )
    _, sha = model_cache.resolve(model_id)
    model = model_cache.compiled(sha)
    scores: list[float | None] = []
    for position, row in enumerate(rows, start=1):
        if row is None:
            scores.append(None)
            continue
        if not isinstance(row, dict):
            errors.refuse(
                f"features[{position}] must be a jsonb object, not {_a(_json_kind(row))}",
                hint="pass one object of features per element",
            )
        record = _flat_json(row, model.input_names)
        if not model.input_names <= record.keys():
            record_for(model, record, source=f"features[{position}]")  # raises, naming it
        try:
            scores.append(_or_none(model.score, record))
        except PmmlError as exc:
            errors.refuse(f"cannot score features[{position}]: {exc}")
    return scores


def _flat_json(row: dict[str, Any], inputs: frozenset[str]) -> dict[str, Any]:
    """A parsed feature object as a record: booleans 1/0, a nested `attributes` object merged."""
    record = {k: int(v) if v is True or v is False else v for k, v in row.items()}
    attributes = record.get("attributes")
    if isinstance(attributes, dict) and "attributes" not in inputs:
        del record["attributes"]
        for name, value in attributes.items():
            record.setdefault(name, int(value) if value is True or value is False else value)
    return record


def _json_kind(value: Any) -> str:
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean"}
    return "null" if value is None else kinds.get(type(value), "number")


def _a(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def _or_none(run: Any, record: dict[str, Any]) -> float | None:
    try:
        return run(record)  # type: ignore[no-any-return]
    except NoPrediction:
        return None


def score_customer(customer_id: int | None) -> float | None:
    """Score one customer from churn.feature_frame as of now(), writing nothing."""
    if customer_id is None:
        errors.refuse("customer_id must not be NULL")
    rows = db.execute(CUSTOMER_FEATURES, ["bigint"], [customer_id])
    if len(rows) == 0:
        errors.not_found(
            f"customer {customer_id} does not exist in churn.customer_profile",
            hint="insert the profile first",
        )
    _, sha = model_cache.resolve(None)
    model = model_cache.compiled(sha)
    return score(model, record_for(model, flatten(rows[0]), source="churn.feature_frame"))


def _parse(features_json: str | None) -> dict[str, Any]:
    if features_json is None:
        errors.refuse(
            "features must not be NULL",
            hint="pass a jsonb object, for example churn.customer_features(42)",
        )
    import json  # here: json and re cost a cold backend ~10 ms, and only predict needs it

    features = json.loads(features_json)
    if not isinstance(features, dict):
        errors.refuse(
            f"features must be a jsonb object, not a {type(features).__name__}",
            hint='pass an object such as {"tenure_months": 3, "plan": "Gold Plus"}',
        )
    return {k: int(v) if v is True or v is False else v for k, v in features.items()}


def record_for(model: CompiledModel, values: Any, *, source: str) -> dict[str, Any]:
    """The model's input record; a field the source lacks is an error that names it."""
    record = {}
    for field in model.input_fields:
        name = field["name"]
        if name not in values:
            errors.refuse(
                f"{source} has no value for the model's input field {name!r}",
                hint=f"add {name!r} (use null for a missing value)",
            )
        record[name] = values[name]
    return record


def score(model: CompiledModel, record: dict[str, Any]) -> float | None:
    """Run the compiled model; None where PMML gives no prediction, other errors SQL errors."""
    try:
        return model.score(record)
    except NoPrediction:
        return None
    except PmmlError as exc:
        errors.refuse(f"cannot score: {exc}")
