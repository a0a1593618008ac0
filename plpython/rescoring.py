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

import math

import plpy

from . import db, errors, log_codec, model_cache
from .features import flatten

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from typing import Any

    from .pmml import CompiledModel

ON_ERROR = """
SELECT coalesce(nullif(current_setting('pgchurn.on_score_error', true), ''),
                (SELECT value FROM churn.setting WHERE name = 'on_score_error')) AS mode
"""
MODES = ("record", "raise")
TOP_REASONS = 3

# (score, reasons, error, sqlstate, features, inputs): the attributes of churn.scored, in order.
Scored = tuple[float | None, str | None, str | None, str | None, str | None, bytes | None]


class NoActiveModel(Exception):
    """Scoring was asked for while no model is active."""


class ScoreOutOfRange(Exception):
    """The model returned something that is not a probability."""


class MissingInput(Exception):
    """The model needs an input field that churn.features does not have."""


class UnusableRow(Exception):
    """The customer's stored data cannot be scored (no feature row, a non-finite value)."""


# How jsonb writes a non-finite float or numeric attribute.
NON_FINITE_TEXT = frozenset(("NaN", "Infinity", "-Infinity"))


def _check_finite(model: CompiledModel, record: dict[str, Any]) -> None:
    """Refuse NaN and infinity in a model input, naming the field and the value."""
    for name in model.input_order:
        value = record.get(name)
        if type(value) is str and value in NON_FINITE_TEXT and _continuous(model, name):
            value = float(value)
        if type(value) is float and not math.isfinite(value):
            raise UnusableRow(
                f"feature {name!r} is {value!r}; a model input must be a finite number or "
                f"NULL (fix the customer's {name}: NaN and infinity are refused on write since "
                "revision 0010, but may have been stored before)"
            )


def _continuous(model: CompiledModel, name: str) -> bool:
    return any(f["name"] == name and f["optype"] == "continuous" for f in model.input_fields)


def score_row(sha: str | None, features: dict[str, Any] | None) -> Scored:
    """(score, reasons json, error, sqlstate, features json, inputs) of one row under one model.

    The features JSON holds the model's input fields, and inputs the same values packed in the
    model's input order (what the score log stores, log_codec); both are NULL, like the score,
    when the row could not be scored.

    `sha` is the model's pmml_sha256, read by the calling statement from churn.model (NULL
    when no model is active). The compiled model is cached per backend by that hash.
    """
    try:
        if sha is None:
            raise NoActiveModel(
                "no churn model is active; activate one with churn.activate_model(id)"
            )
        if features is None:
            raise UnusableRow(
                "churn.feature_frame has no row for the customer as of the scoring time: its "
                "customer_since is later than that, or not a finite date; the customer is "
                "scored once customer_since has passed (fix a wrong date in the profile)"
            )
        model = model_cache.compiled(sha)
        record = flatten(features)
        _check_finite(model, record)
        score, reasons = explain_record(model, record)
        if not 0.0 <= score <= 1.0:
            raise ScoreOutOfRange(f"the model returned {score!r}, which is not a probability")
        return (
            score,
            reasons_json(reasons),
            None,
            None,
            features_json(model.input_order, record),
            log_codec.encode(model.input_order, record),
        )
    except Exception as exc:  # noqa: BLE001 - the caller records it; nothing is lost
        if errors.is_interrupt(exc) or error_mode() == "raise":
            raise  # a cancel, timeout or termination is never recorded as a scoring error
        error = f"{type(exc).__name__}: {exc}"[:2000]
        return None, None, error, getattr(exc, "sqlstate", None), None, None


def explain_record(
    model: CompiledModel, record: dict[str, Any]
) -> tuple[float, list[dict[str, Any]]]:
    """The score and the top reasons (largest absolute contributions to the margin)."""
    names = model.input_names
    if not names <= record.keys():
        missing = sorted(names - record.keys())[0]
        raise MissingInput(
            f"the model needs input field {missing!r}, which churn.feature_frame does not "
            f"supply: churn.customer_profile has no input column {missing!r} (see "
            "churn.profile_attribute); add the column, or activate a model that does not read it"
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
        feature, contribution = reason["feature"], reason["contribution"]
        text = _plain_json(reason["value"])
        if (
            text is None
            or not (type(contribution) is float and math.isfinite(contribution))
            or not (feature.isidentifier() or feature == "(other)")
        ):
            return to_json(reasons)
        parts.append(f'{{"feature":"{feature}","value":{text},"contribution":{contribution!r}}}')
    return "[" + ",".join(parts) + "]"


def features_json(names: tuple[str, ...], record: dict[str, Any]) -> str:
    """to_json of {name: record[name]} for the model's inputs, written directly when plain."""
    parts = []
    for name in names:
        text = _plain_json(record[name])
        if text is None or not name.isidentifier():
            return to_json({n: record[n] for n in names})
        parts.append(f'"{name}":{text}')
    return "{" + ",".join(parts) + "}"


def _plain_json(value: object) -> str | None:
    """The JSON text of an int, finite float, plain string or None; None for anything else."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is float:
        return repr(value) if math.isfinite(value) else None  # type: ignore[arg-type]
    if kind is str:
        return f'"{value}"' if _plain(value) else None  # type: ignore[arg-type]
    return "null" if value is None else None


def _plain(text: str) -> bool:
    """True when JSON writes the string as it is between quotes (no escape needed)."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def to_json(value: Any) -> str:
    """JSON for jsonb: non-finite floats become the strings 'NaN', 'Infinity', '-Infinity'."""
    import json  # here, not at the top: json and re cost a cold backend ~10 ms

    return json.dumps(_finite(value), separators=(",", ":"), default=str)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
