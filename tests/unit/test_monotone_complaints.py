"""Every kind `pgchurn train` builds: a complaint never lowers a score, here and in PMML.

Each kind is fitted with `pipelines.fit` on synthetic data with missing values, exported with
sklearn2pmml, and compiled by pgchurn's runtime. For every row, one more complaint of each
severity (the features move as churn.feature_frame moves them) must not lower scikit-learn's
probability nor the runtime's, and a severity-5 complaint must not score below a severity-1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pgchurn.plpython.pmml import compile_pmml
from pgchurn.train.export import export_pmml
from pgchurn.train.features import COMPLAINT_DIRECTION
from pgchurn.train.pipelines import KINDS, build_pipeline, constraints, fit

from tests.datasets import CATEGORICAL, NUMERIC, TARGET, messy_churn

SEVERITY = ["max_severity_30d", "severity_sum_90d"]
INPUT_NUMERIC = [c for c in NUMERIC if c != "total_charges"] + SEVERITY
INPUTS = INPUT_NUMERIC + CATEGORICAL


def with_severity(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Add the two severity features, consistent with the counts (severe = 4 or 5)."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    c30 = out["complaints_30d"].fillna(0).to_numpy()
    c90 = out["complaints_90d"].fillna(0).to_numpy()
    severe = out["severe_complaints_90d"].fillna(0).to_numpy()
    out["max_severity_30d"] = np.where(c30 > 0, rng.integers(1, 6, len(out)), 0)
    out["severity_sum_90d"] = 5 * severe + 2 * (c90 - severe)
    return out


def after_complaint(frame: pd.DataFrame, severity: int) -> pd.DataFrame:
    """The rows as churn.feature_frame gives them once one more complaint was filed now."""
    out = frame.copy()
    for name in ("complaints_total", "complaints_30d", "complaints_90d"):
        out[name] = out[name].fillna(0) + 1
    out["severe_complaints_90d"] = out["severe_complaints_90d"].fillna(0) + int(severity >= 4)
    out["max_severity_30d"] = np.maximum(out["max_severity_30d"].fillna(0), severity)
    out["severity_sum_90d"] = out["severity_sum_90d"].fillna(0) + severity
    out["days_since_last_complaint"] = 0.0
    return out


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    rows = frame[INPUTS].to_dict("records")
    return [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
        for r in rows
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_a_complaint_never_lowers_the_score_of_any_kind(kind, tmp_path):
    train = with_severity(messy_churn(3000, 1), 1)
    pipeline = build_pipeline(kind, numeric=INPUT_NUMERIC, categorical=CATEGORICAL, impute=True)
    fit(pipeline, train[INPUTS], train[TARGET])
    if kind != "logistic":
        assert constraints(pipeline) == COMPLAINT_DIRECTION
    model = compile_pmml(export_pmml(pipeline, train[INPUTS].head(50), tmp_path / "m.pmml"))
    rows = with_severity(messy_churn(400, 21), 21)
    before = pipeline.predict_proba(rows[INPUTS])[:, 1]
    runtime_before = np.array([model.score(r) for r in records(rows)])
    np.testing.assert_allclose(runtime_before, before, rtol=1e-9, atol=1e-12)
    scores, runtime = {}, {}
    for severity in range(1, 6):
        after = after_complaint(rows, severity)
        scores[severity] = pipeline.predict_proba(after[INPUTS])[:, 1]
        runtime[severity] = np.array([model.score(r) for r in records(after)])
        assert (scores[severity] >= before - 1e-12).all(), (kind, severity)
        assert (runtime[severity] >= runtime_before - 1e-12).all(), (kind, severity)
    assert (scores[5] >= scores[1] - 1e-12).all() and (runtime[5] >= runtime[1] - 1e-12).all()
    assert (scores[5] > scores[1]).mean() > 0.5, f"{kind}: severity barely matters"


def test_a_logistic_coefficient_of_the_wrong_sign_is_held_at_zero():
    train = with_severity(messy_churn(3000, 2), 2)
    # complaints that make churn LESS likely: an unconstrained fit gives them negative weight
    fewer = train["complaints_90d"].fillna(0) > 0
    train.loc[fewer, TARGET] = 0
    pipeline, free = (
        build_pipeline("logistic", numeric=INPUT_NUMERIC, categorical=CATEGORICAL, impute=True)
        for _ in range(2)
    )
    free.fit(train[INPUTS], train[TARGET])
    free_coef = dict(zip(INPUT_NUMERIC, free.steps[-1][1].coef_[0], strict=False))
    assert free_coef["complaints_90d"] < 0, "the data must push the coefficient below 0"
    fit(pipeline, train[INPUTS], train[TARGET])
    coef = dict(zip(INPUT_NUMERIC, pipeline.steps[-1][1].coef_[0], strict=False))
    for name, direction in COMPLAINT_DIRECTION.items():
        assert direction * coef[name] >= 0, (name, coef[name])
    assert coef["complaints_90d"] == 0.0
