"""churn.explain(customer_id, model_id, as_of): why a model gives a customer its score.

Contributions come from the compiled model itself (pmml/explain.py): for linear models
coefficient * (term - training mean), for tree ensembles Saabas path attribution with node
weights from training. They add up, with the base value (the mean training margin), to the
model's margin (the value before the logistic function).
"""

from __future__ import annotations

from typing import Any

from . import db, errors, model_cache
from .features import flatten
from .pmml import InvalidInput, PmmlError
from .scoring import record_for

BASE = "(base value)"
CUSTOMER = "SELECT * FROM churn.feature_frame($2, every_column => true) WHERE customer_id = $1"
EXISTS = "SELECT customer_since FROM churn.customer_profile WHERE customer_id = $1"


def explain_customer(
    customer_id: int | None, model_id: int | None, as_of: str | None
) -> list[dict[str, Any]]:
    """Rows (feature, value, contribution), largest effect first, then the base value."""
    if customer_id is None:
        errors.refuse("customer_id must not be NULL")
    if as_of is None:
        errors.refuse("as_of must not be NULL", hint="leave it out to explain as of now()")
    found, sha = model_cache.resolve(model_id)
    rows = db.execute(CUSTOMER, ["bigint", "timestamptz"], [customer_id, as_of])
    if len(rows) == 0:
        _not_there(customer_id, as_of)
    model = model_cache.compiled(sha)
    record = record_for(model, flatten(rows[0]), source="churn.feature_frame")
    try:
        base, contributions, _ = model.explain(record)
    except InvalidInput as exc:
        errors.refuse(f"model {found} gives customer {customer_id} no score to explain: {exc}")
    except PmmlError as exc:
        errors.refuse(f"model {found} cannot be explained: {exc}")
    out = [
        {"feature": f, "value": _text(record.get(f)), "contribution": c}
        for f, c in sorted(contributions, key=lambda fc: -abs(fc[1]))
    ]
    out.append({"feature": BASE, "value": None, "contribution": base})
    return out


def _not_there(customer_id: int, as_of: str) -> None:
    profile = db.execute(EXISTS, ["bigint"], [customer_id])
    if len(profile) == 0:
        errors.not_found(f"customer {customer_id} does not exist in churn.customer_profile")
    errors.not_found(
        f"customer {customer_id} was not a customer yet at as_of = {as_of} "
        f"(customer_since = {profile[0]['customer_since']})",
        hint="pass an as_of at or after customer_since",
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
