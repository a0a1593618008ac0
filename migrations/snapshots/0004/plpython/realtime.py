"""Rescoring in the transaction that changed a customer: complaints, profile updates, batches.

One path serves every caller. `rescore()` takes customers whose rows are already locked,
reads their features as of now() in a statement that starts after the locks were granted (so
complaints committed by concurrent sessions are counted), scores them all with ONE model
version, and writes profile scores, windowed counters and score-log rows in one statement.
Notifications go out through pg_notify, which PostgreSQL delivers at commit.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from . import db, models
from .pmml import CompiledModel

CONTEXT = """
SELECT m.model_id, m.pmml_sha256,
       (SELECT value::double precision FROM churn.setting
         WHERE name = 'notify_threshold') AS threshold,
       (SELECT value::double precision FROM churn.setting WHERE name = 'notify_delta') AS delta
  FROM (SELECT 1) one
  LEFT JOIN churn.model m ON m.status = 'active'
"""
FEATURES = "SELECT * FROM churn.feature_frame(now()) WHERE customer_id = ANY($1)"
WRITE = """
WITH s AS (
    SELECT * FROM unnest($1::bigint[], $2::double precision[], $3::double precision[],
                         $4::jsonb[], $5::jsonb[], $6::bigint[], $7::integer[], $8::integer[],
                         $9::integer[])
             AS s(customer_id, score, previous_score, features, reasons, complaint_id,
                  c30, c90, severe90)
), profile AS (
    UPDATE churn.customer_profile p
       SET churn_score = s.score, churn_model_id = $10, churn_scored_at = now(),
           churn_score_stale = false, complaints_30d = s.c30, complaints_90d = s.c90,
           severe_complaints_90d = s.severe90
      FROM s
     WHERE p.customer_id = s.customer_id
)
INSERT INTO churn.score_log (customer_id, model_id, score, previous_score, features, reasons,
                             triggered_by, complaint_id)
SELECT s.customer_id, $10, s.score, s.previous_score, s.features, s.reasons, $11, s.complaint_id
  FROM s
"""
WRITE_TYPES = [
    "bigint[]", "double precision[]", "double precision[]", "jsonb[]", "jsonb[]", "bigint[]",
    "integer[]", "integer[]", "integer[]", "bigint", "text",
]  # fmt: skip
NOTIFY = "SELECT pg_notify('churn_score', payload) FROM unnest($1::text[]) AS payload"
TOP_REASONS = 3


@dataclass(frozen=True)
class Target:
    """A locked customer to rescore, with what the caller knows about it."""

    customer_id: int
    previous_score: float | None
    complaint_id: int | None = None


@dataclass(frozen=True)
class Context:
    """The model and notification settings of one rescoring call, read once."""

    model_id: int
    model: CompiledModel
    threshold: float
    delta: float


def context() -> Context:
    """The active model (compiled, cached by content hash) and the notification settings."""
    row = db.execute(CONTEXT, [], [])[0]
    if row["model_id"] is None:
        raise NoActiveModel("no churn model is active")
    return Context(
        model_id=int(row["model_id"]),
        model=models.compiled(str(row["pmml_sha256"])),
        threshold=float(row["threshold"]),
        delta=float(row["delta"]),
    )


class NoActiveModel(Exception):
    """Scoring was asked for while no model is active."""


def rescore(targets: list[Target], triggered_by: str, ctx: Context | None = None) -> int:
    """Score locked customers with one model version and write everything; returns the count."""
    if not targets:
        return 0
    ctx = ctx or context()
    rows = db.execute(FEATURES, ["bigint[]"], [[t.customer_id for t in targets]])
    by_id = {int(r["customer_id"]): r for r in rows}
    scored = [_score_one(ctx, t, by_id[t.customer_id]) for t in targets if t.customer_id in by_id]
    _write(ctx, scored, triggered_by)
    _notify(ctx, scored, triggered_by)
    return len(scored)


@dataclass(frozen=True)
class Scored:
    """One customer's new score and what it was computed from."""

    target: Target
    score: float
    record: dict[str, Any]
    reasons: list[dict[str, Any]]
    counts: tuple[int, int, int]


def _score_one(ctx: Context, target: Target, row: dict[str, Any]) -> Scored:
    record = {f["name"]: row[f["name"]] for f in ctx.model.input_fields}
    score, reasons = explain_record(ctx.model, record)
    counts = (row["complaints_30d"], row["complaints_90d"], row["severe_complaints_90d"])
    return Scored(target, score, record, reasons, counts)


def explain_record(
    model: CompiledModel, record: dict[str, Any]
) -> tuple[float, list[dict[str, Any]]]:
    """The score and the top reasons (largest absolute contributions to the margin)."""
    score = model.score(record)
    _, contributions, _ = model.explain(record)
    top = sorted(contributions, key=lambda fc: -abs(fc[1]))[:TOP_REASONS]
    reasons = [{"feature": f, "value": record.get(f), "contribution": c} for f, c in top]
    return score, reasons


def _write(ctx: Context, scored: list[Scored], triggered_by: str) -> None:
    db.execute(
        WRITE,
        WRITE_TYPES,
        [
            [s.target.customer_id for s in scored],
            [s.score for s in scored],
            [s.target.previous_score for s in scored],
            [to_json(s.record) for s in scored],
            [to_json(s.reasons) for s in scored],
            [s.target.complaint_id for s in scored],
            [s.counts[0] for s in scored],
            [s.counts[1] for s in scored],
            [s.counts[2] for s in scored],
            ctx.model_id,
            triggered_by,
        ],
    )


def should_notify(previous: float | None, score: float, threshold: float, delta: float) -> bool:
    """A score crosses the threshold (either way), or moves by at least delta."""
    if previous is None:
        return score >= threshold
    crossed = (previous < threshold) != (score < threshold)
    return crossed or abs(score - previous) >= delta


def _notify(ctx: Context, scored: list[Scored], triggered_by: str) -> None:
    payloads = [
        to_json(
            {
                "customer_id": s.target.customer_id,
                "model_id": ctx.model_id,
                "score": s.score,
                "previous_score": s.target.previous_score,
                "threshold": ctx.threshold,
                "triggered_by": triggered_by,
                "complaint_id": s.target.complaint_id,
            }
        )
        for s in scored
        if should_notify(s.target.previous_score, s.score, ctx.threshold, ctx.delta)
    ]
    if payloads:
        db.execute(NOTIFY, ["text[]"], [payloads])


def to_json(value: Any) -> str:
    """JSON for jsonb: non-finite floats become the strings 'NaN', 'Infinity', '-Infinity'."""
    return json.dumps(_finite(value), separators=(",", ":"), default=str)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
