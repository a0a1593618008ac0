"""Baselines for drift monitoring, stored with the model: what the training data looked like."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

NUMERIC_BINS = 10
SCORE_BINS = 10


def numeric_baseline(values: pd.Series, bins: int = NUMERIC_BINS) -> dict[str, Any]:
    """Bin edges of a numeric feature and the share of training rows in each bin.

    Bins are (-inf, e1], (e1, e2], ..., (ek, inf). A feature with at most `bins` distinct
    values (0/1 flags, small counts) gets one bin per value, so that every value training saw
    has a bin of its own; other features get quantile edges, repeated quantiles merged.
    """
    present = values.dropna().astype(float)
    distinct = np.unique(present)
    if len(distinct) <= bins:
        inner: Any = distinct[:-1]
    else:
        inner = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]))
    counts = np.bincount(np.searchsorted(inner, present, side="left"), minlength=len(inner) + 1)
    total = max(len(present), 1)
    return {
        "edges": [float(e) for e in inner],
        "fractions": [float(c) / total for c in counts],
        "missing_fraction": float(values.isna().mean()) if len(values) else 0.0,
    }


def categorical_baseline(values: pd.Series) -> dict[str, Any]:
    """Share of training rows per category (missing counted under the key null)."""
    shares = (
        values.astype(object).where(values.notna(), None).value_counts(normalize=True, dropna=False)
    )
    return {"frequencies": {("null" if k is None else str(k)): float(v) for k, v in shares.items()}}


def score_baseline(scores: Any, bins: int = SCORE_BINS) -> dict[str, Any]:
    """Quantile bins of the training scores, so each bin holds about 1/bins of them."""
    return numeric_baseline(pd.Series(np.asarray(scores, dtype=float)), bins)


def baselines(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str], scores: Any
) -> dict[str, Any]:
    """All baselines of a training set and its scores."""
    return {
        "numeric": {c: numeric_baseline(frame[c]) for c in numeric},
        "categorical": {c: categorical_baseline(frame[c]) for c in categorical},
        "score": score_baseline(scores),
    }
