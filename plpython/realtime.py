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

from . import db, experiment, models
from .pmml import CompiledModel

CONTEXT = """
SELECT a.model_id, a.pmml_sha256,
       c.model_id AS challenger_id, c.pmml_sha256 AS challenger_sha,
       c.challenger_share, c.challenger_serves,
       (SELECT value::double precision FROM churn.setting
         WHERE name = 'notify_threshold') AS threshold,
       (SELECT value::double precision FROM churn.setting WHERE name = 'notify_delta') AS delta
  FROM (SELECT 1) one
  LEFT JOIN churn.model a ON a.status = 'active'
  LEFT JOIN churn.model c ON c.status = 'challenger'
"""
FEATURES = "SELECT * FROM churn.feature_frame(now()) WHERE customer_id = ANY($1)"
# One customer (every single-row insert): `= $1` gets a cheap generic plan, where `= ANY($1)`
# makes the plan cache re-plan the inlined feature_frame on every call (about 10x slower).
FEATURES_ONE = "SELECT * FROM churn.feature_frame(now()) WHERE customer_id = $1"
WRITE = """
WITH served AS (
    SELECT * FROM unnest($1::bigint[], $2::double precision[], $3::bigint[], $4::text[],
                         $5::integer[], $6::integer[], $7::integer[])
             AS s(customer_id, score, model_id, variant, c30, c90, severe90)
), profile AS (
    UPDATE churn.customer_profile p
       SET churn_score = s.score, churn_model_id = s.model_id, churn_variant = s.variant,
           churn_scored_at = now(), churn_score_stale = false, complaints_30d = s.c30,
           complaints_90d = s.c90, severe_complaints_90d = s.severe90
      FROM served s
     WHERE p.customer_id = s.customer_id
)
INSERT INTO churn.score_log (customer_id, model_id, score, previous_score, features, reasons,
                             complaint_id, variant, served, triggered_by)
SELECT l.*, $17
  FROM unnest($8::bigint[], $9::bigint[], $10::double precision[], $11::double precision[],
              $12::jsonb[], $13::jsonb[], $14::bigint[], $15::text[], $16::boolean[]) AS l
"""
WRITE_TYPES = [
    "bigint[]", "double precision[]", "bigint[]", "text[]", "integer[]", "integer[]", "integer[]",
    "bigint[]", "bigint[]", "double precision[]", "double precision[]", "jsonb[]", "jsonb[]",
    "bigint[]", "text[]", "boolean[]", "text",
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
class Arm:
    """One model of the experiment: its id and compiled form."""

    model_id: int
    model: CompiledModel


@dataclass(frozen=True)
class Context:
    """The models and notification settings of one rescoring call, read once."""

    champion: Arm
    challenger: Arm | None
    share: float
    serves: bool
    threshold: float
    delta: float

    @property
    def model_id(self) -> int:
        """The active (champion) model."""
        return self.champion.model_id

    @property
    def model(self) -> CompiledModel:
        """The active (champion) model, compiled."""
        return self.champion.model


def context() -> Context:
    """The active model, any challenger (compiled, cached by content hash), and settings."""
    row = db.execute(CONTEXT, [], [])[0]
    if row["model_id"] is None:
        raise NoActiveModel("no churn model is active")
    challenger = None
    if row["challenger_id"] is not None:
        challenger = Arm(int(row["challenger_id"]), models.compiled(str(row["challenger_sha"])))
    return Context(
        champion=Arm(int(row["model_id"]), models.compiled(str(row["pmml_sha256"]))),
        challenger=challenger,
        share=float(row["challenger_share"] or 0.0),
        serves=bool(row["challenger_serves"]),
        threshold=float(row["threshold"]),
        delta=float(row["delta"]),
    )


class NoActiveModel(Exception):
    """Scoring was asked for while no model is active."""


def rescore(targets: list[Target], triggered_by: str, ctx: Context | None = None) -> int:
    """Score locked customers with one version of each model, write everything; return count."""
    if not targets:
        return 0
    ctx = ctx or context()
    rows = _features(targets)
    by_id = {int(r["customer_id"]): r for r in rows}
    scored = [_score_one(ctx, t, by_id[t.customer_id]) for t in targets if t.customer_id in by_id]
    _write(scored, triggered_by)
    _notify(ctx, scored, triggered_by)
    return len(scored)


def _features(targets: list[Target]) -> Any:
    if len(targets) == 1:
        return db.execute(FEATURES_ONE, ["bigint"], [targets[0].customer_id])
    return db.execute(FEATURES, ["bigint[]"], [[t.customer_id for t in targets]])


@dataclass(frozen=True)
class Logged:
    """One score_log row: a model's score of a customer, and whether it was served."""

    arm: Arm
    variant: str
    score: float
    record: dict[str, Any]
    reasons: list[dict[str, Any]]
    served: bool


@dataclass(frozen=True)
class Scored:
    """One customer's new scores (champion, maybe challenger) and its windowed counters."""

    target: Target
    logs: list[Logged]
    counts: tuple[int, int, int]

    @property
    def served(self) -> Logged:
        """The score the profile gets."""
        return next(log for log in self.logs if log.served)


def _score_one(ctx: Context, target: Target, row: dict[str, Any]) -> Scored:
    in_experiment = ctx.challenger is not None and experiment.covered(target.customer_id, ctx.share)
    challenger_served = in_experiment and ctx.serves
    logs = [_log(ctx.champion, "champion", row, served=not challenger_served)]
    if in_experiment and ctx.challenger is not None:
        logs.append(_log(ctx.challenger, "challenger", row, served=challenger_served))
    counts = (row["complaints_30d"], row["complaints_90d"], row["severe_complaints_90d"])
    return Scored(target, logs, counts)


def _log(arm: Arm, variant: str, row: dict[str, Any], *, served: bool) -> Logged:
    record = {f["name"]: row[f["name"]] for f in arm.model.input_fields}
    score, reasons = explain_record(arm.model, record)
    return Logged(arm, variant, score, record, reasons, served)


def explain_record(
    model: CompiledModel, record: dict[str, Any]
) -> tuple[float, list[dict[str, Any]]]:
    """The score and the top reasons (largest absolute contributions to the margin)."""
    score = model.score(record)
    _, contributions, _ = model.explain(record)
    top = sorted(contributions, key=lambda fc: -abs(fc[1]))[:TOP_REASONS]
    reasons = [{"feature": f, "value": record.get(f), "contribution": c} for f, c in top]
    return score, reasons


def _write(scored: list[Scored], triggered_by: str) -> None:
    logs = [(s, log) for s in scored for log in s.logs]
    db.execute(
        WRITE,
        WRITE_TYPES,
        [
            [s.target.customer_id for s in scored],
            [s.served.score for s in scored],
            [s.served.arm.model_id for s in scored],
            [s.served.variant for s in scored],
            [s.counts[0] for s in scored],
            [s.counts[1] for s in scored],
            [s.counts[2] for s in scored],
            [s.target.customer_id for s, _ in logs],
            [log.arm.model_id for _, log in logs],
            [log.score for _, log in logs],
            [s.target.previous_score for s, _ in logs],
            [to_json(log.record) for _, log in logs],
            [to_json(log.reasons) for _, log in logs],
            [s.target.complaint_id for s, _ in logs],
            [log.variant for _, log in logs],
            [log.served for _, log in logs],
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
                "model_id": s.served.arm.model_id,
                "variant": s.served.variant,
                "score": s.served.score,
                "previous_score": s.target.previous_score,
                "threshold": ctx.threshold,
                "triggered_by": triggered_by,
                "complaint_id": s.target.complaint_id,
            }
        )
        for s in scored
        if should_notify(s.target.previous_score, s.served.score, ctx.threshold, ctx.delta)
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
