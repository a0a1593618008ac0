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


# churn.predict_many's column form has two parts, each a names argument and a 2-D values
# argument: the fields of a numeric dataType (float8[]) and those of dataType string (text[]).
NUMBER_PART = ("number_fields", "numbers")
TEXT_PART = ("text_fields", "texts")
COLUMNS_HINT = (
    "pass one row per record, for example number_fields => '{tenure_months,complaints_90d}', "
    "numbers => array_agg(ARRAY[tenure_months, complaints_90d]), text_fields => '{plan}', "
    "texts => array_agg(ARRAY[plan]); '{}' for a part you do not need"
)


def predict_many_columns(
    model_id: int | None,
    number_fields: list[str | None] | None,
    numbers: list[list[float | None]] | None,
    text_fields: list[str | None] | None,
    texts: list[list[str | None]] | None,
) -> list[float | None]:
    """Score records given as 2-D arrays, one row per record: numbers (float8) and texts.

    PostgreSQL hands PL/Python a few lists of plain values instead of a dict per record, and
    the model's score_rows reads each record as a tuple in its input order: the same scores
    as the other forms of churn.predict_many, bit for bit. Row k of `numbers` and row k of
    `texts` are record k; each field sits in the part of its dataType. A record the model
    gives no prediction for scores NULL; one that cannot be scored fails the call, naming the
    row and the field.
    """
    parts = ((NUMBER_PART, number_fields, numbers), (TEXT_PART, text_fields, texts))
    for (names_arg, values_arg), names, values in parts:
        for arg, value in ((names_arg, names), (values_arg, values)):
            if value is None:
                errors.refuse(f"{arg} must not be NULL", hint=COLUMNS_HINT)
    _, sha = model_cache.resolve(model_id)
    model = model_cache.compiled(sha)
    where: dict[str, tuple[str, int]] = {}  # field name -> (its names argument, its column)
    records = None  # (values argument, number of rows) of the first part that names fields
    offset = 0  # a record's row is its numbers row, then its texts row
    for (names_arg, values_arg), names, values in parts:
        assert names is not None and values is not None  # refused above
        for column, name in enumerate(names):
            if name is None or name in where:
                what = "NULL" if name is None else f"{name!r} a second time"
                errors.refuse(f"{names_arg}[{column + 1}] is {what}", hint="name each field once")
            where[name] = (names_arg, offset + column)
        offset += len(names)
        if values:
            _check_rows(values, values_arg, names_arg, len(names))
        if names and records is None:
            records = (values_arg, len(values))
        elif names and records is not None and records[1] != len(values):
            errors.refuse(
                f"{records[0]} has {records[1]} rows but {values_arg} has {len(values)}",
                hint="give both one row per record, in the same order",
            )
    order = [_column(field, where) for field in model.input_fields]
    if not records or not records[1]:
        return []
    if not text_fields:
        rows: Any = numbers
    elif not number_fields:
        rows = texts
    else:
        rows = map(list.__add__, numbers, texts)  # type: ignore[arg-type]
    if order != list(range(offset)):  # not exactly the model's inputs, in its order
        rows = map(_picker(order), rows)
    named = [values_arg for (_, values_arg), names, _ in parts if names]
    return _scored(model, rows, " and ".join(f"{arg}[{{0}}]" for arg in named))


def _check_rows(values: list[Any], values_arg: str, names_arg: str, width: int) -> None:
    """Refuse values that are not a 2-D array of `width` columns.

    PostgreSQL has checked that every row is as long as the first.
    """
    first = values[0]
    if not isinstance(first, list) or (first and isinstance(first[0], list)):
        dims = "a 1-D" if not isinstance(first, list) else "a 3-D (or deeper)"
        errors.refuse(
            f"{values_arg} must be a 2-D array, one row of values per record, not {dims} array",
            hint=COLUMNS_HINT,
        )
    if len(first) != width:
        errors.refuse(
            f"{values_arg} has rows of {len(first)} values but {names_arg} names {width} fields",
            hint=f"give {values_arg} one column per name in {names_arg}, in the same order",
        )


def _column(field: dict[str, Any], where: dict[str, tuple[str, int]]) -> int:
    """Where the model's input field sits in a record's row.

    A field given in neither part, or in the part of the other dataType, is refused, naming
    it and the part it belongs to.
    """
    name, numeric = field["name"], field["dataType"] != "string"
    names_arg, values_arg = NUMBER_PART if numeric else TEXT_PART
    given = where.get(name)
    if given is None:
        errors.refuse(
            f"neither number_fields nor text_fields names the model's input field {name!r}",
            hint=f"add {name!r} to {names_arg} and its values to {values_arg} (NULL for a "
            "missing value)",
        )
    if given[0] != names_arg:
        kind = "a number" if numeric else "text"
        errors.refuse(
            f"{given[0]} names {name!r}, which the model reads as {kind} "
            f"(dataType {field['dataType']})",
            hint=f"move {name!r} to {names_arg} and its values to {values_arg}",
        )
    return given[1]


def _picker(order: list[int]) -> Any:
    """A function giving a row's values at these positions, as a tuple."""
    from operator import itemgetter

    pick = itemgetter(*order)
    return pick if len(order) > 1 else lambda row: (pick(row),)


def _scored(model: CompiledModel, rows: Any, element: str) -> list[float | None]:
    """model.score_rows over the rows, NULL where there is no prediction.

    A row that cannot be scored fails the call, naming its elements (`element`, formatted
    with the row's number) and the field.
    """
    rows = iter(rows)
    scores: list[float | None] = []
    while True:
        try:
            model.score_rows(rows, scores)  # type: ignore[arg-type]
            return scores
        except NoPrediction:
            scores.append(None)  # and go on after that row: `rows` is an iterator
        except PmmlError as exc:
            errors.refuse(f"cannot score {element.format(len(scores) + 1)}: {exc}")


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
