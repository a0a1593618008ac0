"""Holdout metrics: ROC AUC, log loss, Brier score, a reliability table, ECE, a threshold.

The reliability table sorts the holdout by predicted probability and cuts it into
CALIBRATION_BINS bins of equal count (deciles): churn is rare, so equal-width bins would put
almost every row in the first bin. The expected calibration error is the row-weighted mean,
over those bins, of |mean predicted - observed churn rate|.

The notification threshold is the lowest score s such that the holdout customers scored at or
above s churned at least NOTIFY_LIFT times as often as the holdout as a whole (precision
>= NOTIFY_LIFT x churn rate, capped at NOTIFY_MAX_PRECISION), with at least
NOTIFY_MIN_CHURNERS churners among them, so that the precision is not the noise of a few rows.
docs/training.md says why.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

CALIBRATION_BINS = 10
NOTIFY_LIFT = 5.0
NOTIFY_MAX_PRECISION = 0.5
NOTIFY_MIN_CHURNERS = 20


def metrics(y_true: Any, p: Any) -> dict[str, Any]:
    """Metrics of predicted probabilities p against 0/1 labels."""
    y = np.asarray(y_true, dtype=int)
    prob = np.asarray(p, dtype=float)
    table = calibration(y, prob)
    return {
        "roc_auc": float(roc_auc_score(y, prob)) if len(set(y)) == 2 else None,
        "log_loss": float(log_loss(y, prob, labels=[0, 1])),
        "brier": float(brier_score_loss(y, prob)),
        "rows": int(len(y)),
        "label_rate": float(y.mean()) if len(y) else None,
        "calibration": table,
        "ece": ece(table),
        **notify_threshold(y, prob),
    }


def calibration(y: Any, prob: Any, bins: int = CALIBRATION_BINS) -> list[dict[str, Any]]:
    """Reliability table: rows, mean predicted and observed churn rate in equal-count bins.

    Rows are sorted by probability and split into `bins` parts of (nearly) equal size; tied
    probabilities may straddle two bins. `bin` names the range of probabilities in the bin.
    """
    y, prob = np.asarray(y, dtype=float), np.asarray(prob, dtype=float)
    order = np.argsort(prob, kind="stable")
    table = []
    for part in np.array_split(order, min(bins, len(order))):
        p = prob[part]
        table.append(
            {
                "bin": f"{p.min():.3f}-{p.max():.3f}",
                "rows": int(len(part)),
                "predicted": float(p.mean()),
                "observed": float(y[part].mean()),
            }
        )
    return table


def ece(table: list[dict[str, Any]]) -> float | None:
    """Expected calibration error: sum over bins of rows/N x |predicted - observed|."""
    n = sum(row["rows"] for row in table)
    if not n:
        return None
    return float(sum(row["rows"] * abs(row["predicted"] - row["observed"]) for row in table) / n)


def notify_threshold(y: Any, prob: Any) -> dict[str, Any]:
    """The lowest score whose notified set reaches the target precision (see the module).

    Returns notify_threshold (None when no score qualifies), the target precision and, at the
    threshold, how many holdout customers score at or above it, their precision and recall.
    """
    y, prob = np.asarray(y, dtype=int), np.asarray(prob, dtype=float)
    rate = float(y.mean()) if len(y) else 0.0
    target = min(NOTIFY_LIFT * rate, NOTIFY_MAX_PRECISION)
    out: dict[str, Any] = {"notify_target_precision": target, "notify_threshold": None}
    if not y.sum():
        return out
    order = np.argsort(-prob, kind="stable")
    p_sorted, hits = prob[order], np.cumsum(y[order])
    # A threshold flags every row scored at or above it: only the last row of a tie counts.
    last_of_tie = np.append(p_sorted[1:] != p_sorted[:-1], True)
    flagged = np.arange(1, len(y) + 1)
    ok = last_of_tie & (hits >= target * flagged) & (hits >= NOTIFY_MIN_CHURNERS)
    if not ok.any():
        return out
    k = int(np.flatnonzero(ok)[-1])
    return out | {
        "notify_threshold": float(p_sorted[k]),
        "notify_flagged": int(k + 1),
        "notify_precision": float(hits[k] / (k + 1)),
        "notify_recall": float(hits[k] / y.sum()),
    }
