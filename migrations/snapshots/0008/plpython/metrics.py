"""Evaluation metrics computed inside PostgreSQL, for the monitoring views.

churn.roc_auc(scores, labels) and churn.precision_at(scores, labels, fraction) take the
arrays `array_agg` builds. ROC AUC uses average ranks for ties (the Mann-Whitney statistic),
which is what scikit-learn's roc_auc_score computes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def roc_auc(
    scores: Sequence[float | None] | None, labels: Sequence[int | None] | None
) -> float | None:
    """Area under the ROC curve; None when there are no positives or no negatives."""
    pairs = _pairs(scores, labels)
    positives = sum(1 for _, y in pairs if y)
    negatives = len(pairs) - positives
    if positives == 0 or negatives == 0:
        return None
    rank_sum = 0.0
    for rank, is_positive in _average_ranks(pairs):
        if is_positive:
            rank_sum += rank
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def precision_at(
    scores: Sequence[float | None] | None, labels: Sequence[int | None] | None, fraction: float
) -> float | None:
    """Share of churners among the top `fraction` of customers by score (at least one)."""
    pairs = _pairs(scores, labels)
    if not pairs or not 0.0 < fraction <= 1.0:
        return None
    top = sorted(pairs, key=lambda p: -p[0])[: max(1, math.ceil(len(pairs) * fraction))]
    return sum(1 for _, y in top if y) / len(top)


def _pairs(
    scores: Sequence[float | None] | None, labels: Sequence[int | None] | None
) -> list[tuple[float, bool]]:
    if scores is None or labels is None:
        return []
    return [
        (float(s), bool(y))
        for s, y in zip(scores, labels, strict=True)
        if s is not None and y is not None
    ]


def _average_ranks(pairs: list[tuple[float, bool]]) -> list[tuple[float, bool]]:
    """(1-based average rank, label) in ascending score order; ties share their mean rank."""
    ordered = sorted(pairs, key=lambda p: p[0])
    out: list[tuple[float, bool]] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1][0] == ordered[i][0]:
            j += 1
        mean_rank = (i + j) / 2.0 + 1.0
        out.extend((mean_rank, ordered[k][1]) for k in range(i, j + 1))
        i = j + 1
    return out
