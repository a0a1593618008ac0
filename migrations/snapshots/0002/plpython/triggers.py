"""Trigger bodies: what happens in the transaction that inserts a complaint."""

from __future__ import annotations

from typing import Any

from . import db

BUMP_COUNTERS = """
UPDATE churn.customer_profile
   SET complaints_total = complaints_total + 1,
       last_complaint_at = GREATEST(last_complaint_at, $2),
       updated_at = now()
 WHERE customer_id = $1
"""


def on_complaint_insert(td: dict[str, Any]) -> None:
    """AFTER INSERT FOR EACH ROW on churn.complaint: count the complaint on the profile."""
    new = td["new"]
    db.execute(BUMP_COUNTERS, ["bigint", "timestamptz"], [new["customer_id"], new["created_at"]])
