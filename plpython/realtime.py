"""Scoring one feature row for the set-based rescoring statement (churn._rescore).

Triggers and batches no longer drive the work from Python. `churn._rescore` (PL/pgSQL) reads
the features of every target customer in one statement, calls `churn._score` once per
customer and model, and in the same statement writes the profiles, the score log, the
scoring errors and the notifications. This module is what `churn._score` runs: it turns one
`churn.features` row into a score and its top reasons.

A failure is returned as data (score NULL, error text), not raised, so that the statement can
keep the complaint, bump the counters, mark the old score stale and record the error without
a subtransaction. With on_score_error = 'raise' it is raised instead and the statement fails.
"""

from __future__ import annotations

import json
import math
from typing import Any

import plpy

from . import db, models
from .pmml import CompiledModel

ON_ERROR = """
SELECT coalesce(nullif(current_setting('pgchurn.on_score_error', true), ''),
                (SELECT value FROM churn.setting WHERE name = 'on_score_error')) AS mode
"""
MODES = ("record", "raise")
TOP_REASONS = 3

Scored = tuple[float | None, str | None, str | None, str | None]


class NoActiveModel(Exception):
    """Scoring was asked for while no model is active."""


class ScoreOutOfRange(Exception):
    """The model returned something that is not a probability."""


class MissingInput(Exception):
    """The model needs an input field that churn.features does not have."""


def score_row(sha: str | None, features: dict[str, Any] | None) -> Scored:
    """(score, reasons json, error, sqlstate) of one churn.features row under one model.

    `sha` is the model's pmml_sha256, read by the calling statement from churn.model (NULL
    when no model is active). The compiled model is cached per backend by that hash.
    """
    try:
        if sha is None:
            raise NoActiveModel("no churn model is active")
        if features is None:
            raise ValueError("no feature row (is the customer's customer_since in the future?)")
        model = models.compiled(sha)
        score, reasons = explain_record(model, features)
        if not 0.0 <= score <= 1.0:
            raise ScoreOutOfRange(f"the model returned {score!r}, which is not a probability")
        return score, reasons_json(reasons), None, None
    except Exception as exc:  # noqa: BLE001 - the caller records it; nothing is lost
        if error_mode() == "raise":
            raise
        return None, None, f"{type(exc).__name__}: {exc}"[:2000], getattr(exc, "sqlstate", None)


def explain_record(
    model: CompiledModel, record: dict[str, Any]
) -> tuple[float, list[dict[str, Any]]]:
    """The score and the top reasons (largest absolute contributions to the margin)."""
    names = model.input_names
    if not names <= record.keys():
        missing = sorted(names - record.keys())[0]
        raise MissingInput(
            f"the model needs input field {missing!r}, which churn.feature_frame does not "
            "supply; activate a model trained on churn.feature_frame"
        )
    score = model.score(record)
    _, contributions, _ = model.explain(record)
    top = sorted(contributions, key=_effect)[:TOP_REASONS]
    reasons = [{"feature": f, "value": record.get(f), "contribution": c} for f, c in top]
    return score, reasons


def _effect(contribution: tuple[str, float]) -> float:
    return -abs(contribution[1])


def error_mode() -> str:
    """'record' (default) or 'raise', from the GUC pgchurn.on_score_error or churn.setting."""
    mode = str(db.execute(ON_ERROR, [], [])[0]["mode"] or "record")
    if mode not in MODES:
        plpy.error(
            f"pgchurn.on_score_error is {mode!r}; it must be 'record' or 'raise'",
            hint="SET pgchurn.on_score_error = 'record'",
        )
    return mode


def reasons_json(reasons: list[dict[str, Any]]) -> str:
    """to_json for the reasons list, written directly when every value is a plain one.

    Feature names are the model's field names; anything unusual (non-finite numbers, other
    types, names that need escaping) goes through to_json instead.
    """
    parts = []
    for reason in reasons:
        feature, value, contribution = reason["feature"], reason["value"], reason["contribution"]
        kind = type(value)
        if kind is int:
            text = str(value)
        elif kind is float and math.isfinite(value):
            text = repr(value)
        elif kind is str:
            text = json.dumps(value)
        elif value is None:
            text = "null"
        else:
            return to_json(reasons)
        if not (type(contribution) is float and math.isfinite(contribution)) or not (
            feature.isidentifier() or feature == "(other)"
        ):
            return to_json(reasons)
        parts.append(f'{{"feature":"{feature}","value":{text},"contribution":{contribution!r}}}')
    return "[" + ",".join(parts) + "]"


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
