"""Drift baselines in pure Python: the binning rules of train/baselines.py, without numpy.

churn.feature_drift and churn.score_drift read a model's baselines the same way whoever wrote
them, so these functions give the numbers train/baselines.py gives on the same values (the
unit tests compare the two on random data):

- numeric: bins (-inf, e1], (e1, e2], ..., (ek, inf). A feature with at most `bins` distinct
  values gets one bin per value; others get the inner quantile edges (numpy's default linear
  interpolation), repeated edges merged. Fractions are of the present values; missing values
  (None, NaN) count only in missing_fraction.
- categorical: the share of each value, keyed by its JSON text (`features ->> field` in the
  score log), missing values under the key "null".
"""

from __future__ import annotations

import math
from bisect import bisect_left

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

NUMERIC_BINS = 10
SCORE_BINS = 10


def is_missing(value: object) -> bool:
    """None or NaN: what pandas counts as missing."""
    return value is None or (type(value) is float and math.isnan(value))


def numeric_baseline(values: Sequence[float | None], bins: int = NUMERIC_BINS) -> dict[str, Any]:
    """Bin edges of a numeric feature and the share of the present values in each bin."""
    present = sorted(float(v) for v in values if not is_missing(v))  # type: ignore[arg-type]
    distinct = _distinct(present)
    if len(distinct) <= bins:
        inner = distinct[:-1]
    else:
        inner = _distinct(sorted(_quantile(present, k * (1.0 / bins)) for k in range(1, bins)))
    counts = [0] * (len(inner) + 1)
    for value in present:
        counts[bisect_left(inner, value)] += 1
    total = max(len(present), 1)
    return {
        "edges": inner,
        "fractions": [c / total for c in counts],
        "missing_fraction": (len(values) - len(present)) / len(values) if values else 0.0,
    }


def categorical_baseline(values: Sequence[object]) -> dict[str, Any]:
    """Share of the values per category (missing counted under the key "null")."""
    counts: dict[str, int] = {}
    for value in values:
        key = category_key(value)
        counts[key] = counts.get(key, 0) + 1
    total = len(values)
    return {"frequencies": {k: n / total for k, n in counts.items()}}


def score_baseline(scores: Sequence[float], bins: int = SCORE_BINS) -> dict[str, Any]:
    """Quantile bins of the scores, so each bin holds about 1/bins of them."""
    return numeric_baseline(scores, bins)


def category_key(value: object) -> str:
    """The text `features ->> field` gives for a logged value: a JSON number's or string's text."""
    if is_missing(value):
        return "null"
    if type(value) is bool:
        return str(int(value))  # booleans are scored as 1/0
    return str(value)  # str, int, and float (repr, as json.dumps writes it)


def _distinct(ordered: list[float]) -> list[float]:
    """The distinct values of a sorted list (numpy.unique)."""
    out: list[float] = []
    for value in ordered:
        if not out or value != out[-1]:
            out.append(value)
    return out


def _quantile(ordered: list[float], q: float) -> float:
    """numpy.quantile(ordered, q), method 'linear', bit for bit: lerp between the neighbours."""
    n = len(ordered)
    virtual = (n - 1) * q
    if virtual >= n - 1:
        return ordered[-1]
    below = math.floor(virtual)
    a, b = ordered[below], ordered[below + 1]
    gamma = virtual - below
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma
