"""Holdout metrics: ROC AUC, log loss, Brier score and a calibration table."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

CALIBRATION_BINS = 10


def metrics(y_true: Any, p: Any) -> dict[str, Any]:
    """Metrics of predicted probabilities p against 0/1 labels."""
    y = np.asarray(y_true, dtype=int)
    prob = np.asarray(p, dtype=float)
    return {
        "roc_auc": float(roc_auc_score(y, prob)) if len(set(y)) == 2 else None,
        "log_loss": float(log_loss(y, prob, labels=[0, 1])),
        "brier": float(brier_score_loss(y, prob)),
        "rows": int(len(y)),
        "label_rate": float(y.mean()) if len(y) else None,
        "calibration": calibration(y, prob),
    }


def calibration(y: Any, prob: Any, bins: int = CALIBRATION_BINS) -> list[dict[str, Any]]:
    """Predicted against observed churn in equal-width probability bins (empty bins omitted)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(prob, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            table.append(
                {
                    "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                    "rows": int(mask.sum()),
                    "predicted": float(prob[mask].mean()),
                    "observed": float(y[mask].mean()),
                }
            )
    return table
