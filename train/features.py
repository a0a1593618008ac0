"""From `churn.feature_frame` rows to model inputs.

`feature_frame` returns the features pgchurn derives (tenure, complaint counts) as columns and
the profile's business attributes as one jsonb object, `attributes`, whose keys are whatever
columns the DBA added. `expand_attributes` turns that object into one column per key;
`choose_inputs` picks the model inputs among the columns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

KEY = "customer_id"
CUTOFF = "cutoff"
LABEL = "churned"
ATTRIBUTES = "attributes"
# The features churn.feature_frame derives; a profile column of the same name would be shadowed.
DERIVED = (
    "tenure_months",
    "complaints_total",
    "complaints_30d",
    "complaints_90d",
    "severe_complaints_90d",
    "days_since_last_complaint",
    "max_severity_30d",
    "severity_sum_90d",
)
# How each complaint feature moves when a complaint arrives: counts and severities go up (+1),
# days_since_last_complaint goes to 0 (-1; NULL, no complaint yet, is imputed at a value >= 0).
# Tree models are fitted with these as monotone constraints, so a complaint never lowers a score.
COMPLAINT_DIRECTION = {
    "complaints_total": 1,
    "complaints_30d": 1,
    "complaints_90d": 1,
    "severe_complaints_90d": 1,
    "max_severity_30d": 1,
    "severity_sum_90d": 1,
    "days_since_last_complaint": -1,
}
# Columns of a training frame that are never model inputs.
NOT_INPUTS = (KEY, CUTOFF, LABEL)


def shadowing_message(column: str) -> str:
    """The one-line refusal for a profile column named like a derived feature or the label."""
    role = {
        LABEL: "the training label",
        CUTOFF: "the training cutoff",
        ATTRIBUTES: "feature_frame's attributes column",
    }.get(column, "a feature pgchurn derives")
    return (
        f"churn.customer_profile column {column!r} has the name of {role}, so it would never "
        f"be read; rename it: ALTER TABLE churn.customer_profile RENAME COLUMN {column} TO "
        f"{column}_attr"
    )


def attribute_column(values: list[Any]) -> pd.Series:
    """One attribute's JSON values as a column.

    Booleans become 1/0, numbers stay numbers, strings become a string column (categorical);
    JSON null is missing. Anything else (never produced by a typed column) becomes its JSON
    text, a category.
    """
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        values = [None if v is None else int(v) for v in values]
    elif not all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        texts = [v if isinstance(v, str) else json.dumps(v) for v in present]
        it = iter(texts)
        return pd.Series([None if v is None else next(it) for v in values], dtype="str")
    numbers = pd.Series([np.nan if v is None else v for v in values])
    return numbers if present else numbers.astype(float)


def expand_attributes(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its `attributes` jsonb column replaced by one column per key (sorted).

    Raises:
        ValueError: when a key has the name of another column of the frame (a derived
            feature, the key, the cutoff or the label).

    """
    if ATTRIBUTES not in frame.columns:
        return frame
    records = [
        json.loads(a) if isinstance(a, str) else (a if isinstance(a, dict) else {})
        for a in frame[ATTRIBUTES]
    ]
    keys = sorted({k for r in records for k in r})
    base = frame.drop(columns=[ATTRIBUTES]).reset_index(drop=True)
    for key in keys:
        if key in base.columns or key in DERIVED or key in NOT_INPUTS or key == ATTRIBUTES:
            raise ValueError(shadowing_message(key))
    columns = {k: attribute_column([r.get(k) for r in records]) for k in keys}
    return pd.concat([base, pd.DataFrame(columns, index=base.index)], axis=1)


def booleans_as_integers(frame: pd.DataFrame) -> pd.DataFrame:
    """Boolean columns (a CSV's True/False) as 1/0, as the database passes them to models."""
    flags = frame.select_dtypes(include="bool").columns
    return frame.astype({c: "int64" for c in flags}) if len(flags) else frame


@dataclass(frozen=True)
class Inputs:
    """The model inputs chosen from a training frame, and what was left out and why."""

    numeric: list[str]
    categorical: list[str]
    excluded: list[str]
    all_missing: list[str]

    @property
    def names(self) -> list[str]:
        """Every input, numeric first: the order the pipeline's columns take."""
        return self.numeric + self.categorical

    def describe(self) -> dict[str, Any]:
        """JSON-ready summary for the model's training_summary."""
        return {
            "inputs": self.names,
            "numeric_features": self.numeric,
            "categorical_features": self.categorical,
            "excluded_inputs": self.excluded,
            "dropped_inputs_all_missing": self.all_missing,
        }


def choose_inputs(train: pd.DataFrame, exclude: tuple[str, ...] = ()) -> Inputs:
    """Every column but the key, cutoff and label, minus `exclude` and all-missing columns.

    Numeric columns are numeric inputs; every other column (strings) is categorical.

    Raises:
        ValueError: when `exclude` names a column the frame does not have.

    """
    candidates = [c for c in train.columns if c not in NOT_INPUTS]
    unknown = [c for c in exclude if c not in candidates]
    if unknown:
        raise ValueError(
            f"--exclude {', '.join(unknown)}: no such input; the inputs are "
            f"{', '.join(candidates) or 'none'}"
        )
    kept = [c for c in candidates if c not in exclude]
    all_missing = [c for c in kept if train[c].isna().all()]
    inputs = train[[c for c in kept if c not in all_missing]]
    categorical = list(inputs.select_dtypes(exclude="number").columns)
    numeric = [c for c in inputs.columns if c not in categorical]
    return Inputs(numeric, categorical, [c for c in candidates if c in exclude], all_missing)
