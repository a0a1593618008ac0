"""Trigger bodies: what happens in the transaction that inserts complaints or edits a profile.

A complaint statement (one row, a multi-row INSERT or a COPY) fires one statement-level
trigger with the new rows as the transition table `new_complaints`. It bumps each touched
customer's counters once, locking profiles in customer_id order, then rescores each customer
once. If scoring fails, the complaints and counters still commit: the failure is recorded in
churn.scoring_error and the old score is marked stale, unless on_score_error is 'raise'.
"""

from __future__ import annotations

from typing import Any

import plpy

from . import db, realtime
from .realtime import Target

BUMP_COUNTERS = """
WITH t AS (
    SELECT customer_id, count(*)::integer AS n, max(created_at) AS last_at,
           max(complaint_id) AS complaint_id
      FROM new_complaints
     GROUP BY customer_id
), locked AS (
    SELECT p.customer_id
      FROM churn.customer_profile p JOIN t ON t.customer_id = p.customer_id
     ORDER BY p.customer_id
       FOR NO KEY UPDATE OF p
)
UPDATE churn.customer_profile p
   SET complaints_total = p.complaints_total + t.n,
       last_complaint_at = GREATEST(p.last_complaint_at, t.last_at),
       updated_at = now()
  FROM t JOIN locked l ON l.customer_id = t.customer_id
 WHERE p.customer_id = t.customer_id
RETURNING p.customer_id, p.churn_score, t.complaint_id
"""
ON_ERROR = """
SELECT coalesce(nullif(current_setting('pgchurn.on_score_error', true), ''),
                (SELECT value FROM churn.setting WHERE name = 'on_score_error')) AS mode
"""
RECORD_ERROR = """
WITH failed AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS f(customer_id, complaint_id)
), stale AS (
    UPDATE churn.customer_profile p SET churn_score_stale = true
      FROM failed f WHERE p.customer_id = f.customer_id
)
INSERT INTO churn.scoring_error (customer_id, model_id, error, sqlstate, triggered_by,
                                 complaint_id)
SELECT f.customer_id, (SELECT model_id FROM churn.model WHERE status = 'active'), $3, $4, $5,
       f.complaint_id
  FROM failed f
"""
MODES = ("record", "raise")


def on_complaints_inserted() -> None:
    """AFTER INSERT FOR EACH STATEMENT on churn.complaint, with transition table new_complaints."""
    rows = db.execute(BUMP_COUNTERS, [], [])
    targets = sorted(
        (Target(int(r["customer_id"]), r["churn_score"], r["complaint_id"]) for r in rows),
        key=lambda t: t.customer_id,
    )
    rescore_safely(targets, "complaint")


def on_profile_updated(td: dict[str, Any]) -> None:
    """AFTER UPDATE OF <model inputs> FOR EACH ROW, when an input really changed."""
    new = td["new"]
    rescore_safely([Target(int(new["customer_id"]), new["churn_score"])], "profile_update")


def rescore_safely(targets: list[Target], triggered_by: str) -> None:
    """Rescore in a subtransaction; on failure keep the caller's work and record the error."""
    if not targets:
        return
    try:
        with plpy.subtransaction():
            realtime.rescore(targets, triggered_by)
    except Exception as exc:  # noqa: BLE001 - any scoring failure must not lose the complaint
        if error_mode() == "raise":
            raise
        _record(targets, triggered_by, exc)


def error_mode() -> str:
    """'record' (default) or 'raise', from the GUC pgchurn.on_score_error or churn.setting."""
    mode = str(db.execute(ON_ERROR, [], [])[0]["mode"] or "record")
    if mode not in MODES:
        plpy.error(
            f"pgchurn.on_score_error is {mode!r}; it must be 'record' or 'raise'",
            hint="SET pgchurn.on_score_error = 'record'",
        )
    return mode


def _record(targets: list[Target], triggered_by: str, exc: Exception) -> None:
    sqlstate = getattr(exc, "sqlstate", None)
    message = f"{type(exc).__name__}: {exc}"[:2000]
    db.execute(
        RECORD_ERROR,
        ["bigint[]", "bigint[]", "text", "text", "text"],
        [
            [t.customer_id for t in targets],
            [t.complaint_id for t in targets],
            message,
            sqlstate,
            triggered_by,
        ],
    )
