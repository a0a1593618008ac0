"""churn.compute_baselines: drift baselines of a model from the current customers.

A model trained by `pgchurn train` carries the baselines of its training set. Any other model
(registered with churn.register_model or `pgchurn models register`) gets them here: its input
fields over a random sample of the current customers (churned_at IS NULL) as
churn.feature_frame(now()) gives them, and its scores of those rows, binned by the rules of
train/baselines.py (plpython/baselines.py), so that churn.feature_drift and churn.score_drift
read them the same way.
"""

from __future__ import annotations

import json

from . import baselines, db, errors, model_cache
from .pmml import PmmlError

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from typing import Any

MODEL = "SELECT input_fields, baselines FROM churn.model WHERE model_id = $1 FOR UPDATE"
SAMPLE = """
SELECT f.* FROM churn.feature_frame(now()) f
  JOIN churn.customer_profile p ON p.customer_id = f.customer_id
 WHERE p.churned_at IS NULL
 ORDER BY random() LIMIT $1
"""
STORE = "UPDATE churn.model SET baselines = $2 WHERE model_id = $1"
MAX_SAMPLE_ROWS = 1_000_000


def compute_baselines(model_id: int | None, sample_rows: int | None, replace: bool | None) -> str:
    """Compute, store and return (as JSON text) the baselines of model `model_id`.

    A model that already has baselines keeps them unless `replace` is true; they are then
    returned as they are.
    """
    model_id = _checked_model_id(model_id, sample_rows)
    model = db.execute(MODEL, ["bigint"], [model_id])
    if len(model) == 0:
        errors.not_found(f"model {model_id} does not exist", hint="see churn.model for model ids")
    stored = json.loads(model[0]["baselines"])
    if stored and not replace:
        return str(model[0]["baselines"])
    fields = json.loads(model[0]["input_fields"])
    records = [flat_features(row) for row in db.execute(SAMPLE, ["integer"], [sample_rows])]
    if not records:
        errors.refuse(
            f"model {model_id}: no current customer (churned_at IS NULL) to compute baselines from",
            hint=f"load the profiles, then run SELECT churn.compute_baselines({model_id})",
        )
    scores = _scores(model_id, records)  # first: it names an input field the frame lacks
    text = json.dumps(baselines_of(fields, records, scores))
    db.execute(STORE, ["bigint", "jsonb"], [model_id, text])
    return text


def _checked_model_id(model_id: int | None, sample_rows: int | None) -> int:
    if model_id is None:
        errors.refuse("model_id must not be NULL", hint="pass a model_id from churn.model")
    if sample_rows is None or not 1 <= sample_rows <= MAX_SAMPLE_ROWS:
        errors.refuse(
            f"sample_rows is {sample_rows}; it must be between 1 and {MAX_SAMPLE_ROWS}",
            hint="the default, 10000 customers, is enough for ten bins per feature",
        )
    return model_id


def flat_features(row: dict[str, Any]) -> dict[str, Any]:
    """A churn.feature_frame row as the model reads it: core columns and attributes, flat.

    Attribute booleans become 1/0, as scoring turns them.
    """
    record = {k: v for k, v in row.items() if k not in ("customer_id", "attributes")}
    attributes = row.get("attributes")
    if attributes is not None:
        for name, value in json.loads(attributes).items():
            record[name] = int(value) if type(value) is bool else value
    return record


def baselines_of(
    fields: list[dict[str, Any]], records: list[dict[str, Any]], scores: list[float]
) -> dict[str, Any]:
    """The baselines document: numeric and categorical inputs, then the scores."""
    numeric: dict[str, Any] = {}
    categorical: dict[str, Any] = {}
    for field in fields:
        name = field["name"]
        values = [r[name] for r in records]
        if field.get("optype") == "categorical" or field.get("dataType") == "string":
            categorical[name] = baselines.categorical_baseline(values)
        else:
            numeric[name] = baselines.numeric_baseline(_numbers(name, values))
    return {
        "numeric": numeric,
        "categorical": categorical,
        "score": baselines.score_baseline(scores),
        "source": {"kind": "current customers", "rows": len(records)},
    }


def _numbers(name: str, values: list[Any]) -> list[float | None]:
    """The values of a continuous input; text there is an error that names the field."""
    for value in values:
        if value is not None and type(value) not in (int, float):
            errors.refuse(
                f"input field {name!r} is continuous in the model, but a customer has "
                f"{value!r} ({type(value).__name__})",
                hint=f"store {name} as a number column, or use a model that reads it as a category",
            )
    return values


def _scores(model_id: int, records: list[dict[str, Any]]) -> list[float]:
    """The model's score of each record; a field the frame lacks is an error naming it."""
    _, sha = model_cache.resolve(model_id)
    model = model_cache.compiled(sha)
    missing = sorted(model.input_names - records[0].keys())
    if missing:
        errors.refuse(
            f"model {model_id} reads {', '.join(repr(m) for m in missing)}, which "
            "churn.feature_frame does not supply",
            hint="add the column to churn.customer_profile (ALTER TABLE ... ADD COLUMN), or "
            "take it out of churn.ignored_attribute",
        )
    try:
        return [model.score(r) for r in records]
    except PmmlError as exc:
        errors.refuse(f"model {model_id} cannot score a current customer: {exc}")
