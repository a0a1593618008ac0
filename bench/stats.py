"""Summaries of repeated measurements: medians, spreads, latency percentiles, paired ratios."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

import numpy as np

PERCENTILES = (50, 90, 99, 99.9)


def latency_summary(latencies_ms: Sequence[float] | np.ndarray) -> dict[str, float]:
    """count, mean, max and the PERCENTILES of a latency sample, in milliseconds."""
    values = np.asarray(latencies_ms, dtype=float)
    if values.size == 0:
        return {"count": 0}
    out = {"count": int(values.size), "mean": float(values.mean()), "max": float(values.max())}
    for p in PERCENTILES:
        out[f"p{p:g}"] = float(np.percentile(values, p))
    return out


def spread(values: Sequence[float]) -> dict[str, Any]:
    """median, min, max, IQR and relative range ((max - min) / median) of repetitions."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return {"n": 0}
    median = statistics.median(vals)
    q1, q3 = (np.percentile(vals, 25), np.percentile(vals, 75)) if len(vals) > 1 else (vals[0],) * 2
    rel = (max(vals) - min(vals)) / median if median else 0.0
    return {
        "n": len(vals),
        "median": median,
        "min": min(vals),
        "max": max(vals),
        "iqr": float(q3 - q1),
        "rel_range": rel,
        "values": vals,
    }


def paired_ratio(numer: Sequence[float], denom: Sequence[float]) -> dict[str, Any]:
    """Ratio of medians, and the spread of the per-repetition ratios (rep i over rep i)."""
    num, den = spread(numer), spread(denom)
    if not num.get("n") or not den.get("n") or den["median"] == 0:
        return {"median": None}
    pairs = [a / b for a, b in zip(numer, denom, strict=False) if b]
    per_rep = spread(pairs)
    return {
        "median": num["median"] / den["median"],
        "min": per_rep.get("min"),
        "max": per_rep.get("max"),
        "per_rep": pairs,
    }


def verdict(value: float | None, target: float, *, at_least: bool) -> str:
    if value is None:
        return "not measured"
    ok = value >= target if at_least else value <= target
    return "met" if ok else "MISSED"
