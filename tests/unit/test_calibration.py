"""Holdout reliability table, ECE, the notification threshold and the one-complaint update."""

import numpy as np
import pandas as pd
import pytest
from pgchurn.train import evaluate, uplift


def test_reliability_table_has_equal_count_bins_with_their_means():
    p = np.arange(100) / 100.0
    y = (np.arange(100) % 2 == 0).astype(int)
    table = evaluate.calibration(y, p)
    assert [row["rows"] for row in table] == [10] * 10
    assert table[3]["predicted"] == pytest.approx(np.mean(np.arange(30, 40) / 100.0))
    assert table[3]["observed"] == 0.5 and table[3]["bin"] == "0.300-0.390"


def test_ece_is_the_row_weighted_mean_gap_by_hand():
    table = [
        {"rows": 30, "predicted": 0.1, "observed": 0.2},
        {"rows": 10, "predicted": 0.5, "observed": 0.3},
    ]
    assert evaluate.ece(table) == pytest.approx((30 * 0.1 + 10 * 0.2) / 40)


def test_ece_of_calibrated_draws_is_small_and_of_shifted_ones_is_the_shift():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.0, 0.4, 200_000)
    y = (rng.random(len(p)) < p).astype(int)
    assert evaluate.metrics(y, p)["ece"] < 0.005
    assert evaluate.metrics(y, np.clip(p + 0.1, 0, 1))["ece"] == pytest.approx(0.1, abs=0.005)


def test_threshold_is_the_lowest_score_whose_flagged_set_reaches_the_target():
    # 1000 rows, churn rate 4%: the target precision is 5 x 4% = 20%.
    p = np.linspace(1.0, 0.001, 1000)
    y = np.zeros(1000, dtype=int)
    y[[0, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37]] = 1  # 20 of 38
    y[[100, 150, 199] + list(range(500, 517))] = 1  # 40 churners in all
    m = evaluate.metrics(y, p)
    assert m["notify_target_precision"] == pytest.approx(0.2)
    # Top k: 20 churners up to row 37, 23 up to row 199 (>= 20% of 115 only up to row 114).
    prec = np.cumsum(y) / np.arange(1, 1001)
    k = max(i for i in range(1000) if prec[i] >= 0.2 and np.cumsum(y)[i] >= 20)
    assert m["notify_threshold"] == p[k] and m["notify_flagged"] == k + 1
    assert m["notify_precision"] == pytest.approx(prec[k])


def test_threshold_is_none_when_too_few_churners_reach_the_target():
    p = np.linspace(1.0, 0.0, 500)
    y = np.zeros(500, dtype=int)
    y[:10] = 1  # only 10 churners: below NOTIFY_MIN_CHURNERS
    assert evaluate.metrics(y, p)["notify_threshold"] is None


def test_threshold_never_splits_tied_scores():
    p = np.array([0.9] * 50 + [0.1] * 950)
    y = np.zeros(1000, dtype=int)
    y[:30] = 1
    y[50:60] = 1
    m = evaluate.metrics(y, p)
    assert m["notify_threshold"] == 0.9 and m["notify_flagged"] == 50


def test_one_more_complaint_updates_every_derived_feature_as_feature_frame_would():
    frame = pd.DataFrame(
        {
            "complaints_total": [0, 4],
            "complaints_30d": [0, 1],
            "complaints_90d": [0, 2],
            "severe_complaints_90d": [0, 1],
            "days_since_last_complaint": [np.nan, 12.5],
            "max_severity_30d": [np.nan, 3],
            "severity_sum_90d": [0, 7],
            "tenure_months": [5, 40],
        }
    )
    mild, severe = uplift.with_complaint(frame, 2), uplift.with_complaint(frame, 5)
    assert mild["complaints_total"].tolist() == [1, 5]
    assert mild["complaints_30d"].tolist() == [1, 2] and mild["complaints_90d"].tolist() == [1, 3]
    assert mild["severe_complaints_90d"].tolist() == [0, 1]
    assert severe["severe_complaints_90d"].tolist() == [1, 2]
    assert mild["days_since_last_complaint"].tolist() == [0.0, 0.0]
    assert mild["max_severity_30d"].tolist() == [2, 3] and severe["max_severity_30d"].tolist() == [
        5,
        5,
    ]
    assert mild["severity_sum_90d"].tolist() == [2, 9]
    assert mild["tenure_months"].tolist() == [5, 40] and frame["complaints_total"].tolist() == [
        0,
        4,
    ]


def test_a_complaint_feature_without_an_update_rule_is_named():
    names = ["tenure_months", "complaints_90d", "complaints_by_phone_30d", "mean_severity_90d"]
    assert uplift.not_updated(names) == ["complaints_by_phone_30d", "mean_severity_90d"]
