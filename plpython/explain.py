"""churn.explain(customer_id): why the active model gives this customer its score.

Contributions come from the compiled model itself: for linear models the terms of the linear
predictor, for tree ensembles Saabas path attribution. They add up, with the base value, to
the model's margin (the value before the logistic function).
"""

from __future__ import annotations

from typing import Any

from . import db, errors, models
from .features import flatten
from .scoring import record_for

BASE = "(base value)"
CUSTOMER = "SELECT * FROM churn.feature_frame(now(), every_column => true) WHERE customer_id = $1"


def explain_customer(customer_id: int | None) -> list[dict[str, Any]]:
    """Rows (feature, value, contribution), largest effect first, then the base value."""
    if customer_id is None:
        errors.refuse("customer_id must not be NULL")
    rows = db.execute(CUSTOMER, ["bigint"], [customer_id])
    if len(rows) == 0:
        errors.not_found(f"customer {customer_id} does not exist in churn.customer_profile")
    _, sha = models.resolve(None)
    model = models.compiled(sha)
    record = record_for(model, flatten(rows[0]), source="churn.feature_frame")
    base, contributions, _ = model.explain(record)
    out = [
        {"feature": f, "value": _text(record.get(f)), "contribution": c}
        for f, c in sorted(contributions, key=lambda fc: -abs(fc[1]))
    ]
    out.append({"feature": BASE, "value": None, "contribution": base})
    return out


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
