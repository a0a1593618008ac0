"""The generator's oracle on simulated data, where the latent values are known.

The oracle never sees the latent unhappiness and frailty; the labels come from the simulation
that drew them. So a calibrated oracle is evidence that the posterior integration is right,
and no model trained on the observable features should rank better.
"""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from pgchurn.train import dataset, evaluate
from pgchurn.train.pipelines import build_pipeline
from sklearn.metrics import roc_auc_score

from pgchurn.seed import oracle
from pgchurn.seed.generator import DAY, complaint_scale, draw_history, whole_months
from pgchurn.seed.mechanism import (
    BASELINE,
    CONTRACTS,
    MECHANISM,
    codes_of,
    complaint_push,
    complaint_weight,
    log_hazard,
    sigmoid,
)

NOW_S = int(datetime(2026, 11, 27, tzinfo=UTC).timestamp())
HORIZON = 90
ATTRIBUTES = ["contract_type", "payment_method", "internet_service", "monthly_charges",
              "paperless_billing", "senior_citizen", "has_partner", "has_dependents",
              "phone_service", "multiple_lines", "online_security", "tech_support",
              "streaming_tv"]  # fmt: skip
CATEGORICAL = ["contract_type", "payment_method", "internet_service"]


@pytest.fixture(scope="module")
def sim():
    scale = complaint_scale(0, 2.0, BASELINE, NOW_S)
    history = draw_history(np.random.default_rng(11), 40_000, BASELINE, scale, NOW_S)
    return history, scale


def frame_at(history, cutoff_s):
    """feature_frame's columns at a cutoff, computed from the simulation, with the label."""
    h = history
    obs, alive = oracle.observed_from_history(h, cutoff_s)
    n = len(alive)
    age, sev, owner = obs.age_days, obs.severity, obs.owner

    def count(mask):
        return np.bincount(owner[mask], minlength=n)

    last = np.full(n, np.inf)
    np.minimum.at(last, owner, age)
    frame = obs.customers[ATTRIBUTES].copy()
    for col in ATTRIBUTES:
        if frame[col].dtype == bool:
            frame[col] = frame[col].astype(int)
    frame["tenure_months"] = whole_months(h.lives.signup_s[alive], np.full(n, cutoff_s))
    frame["complaints_total"] = count(age >= 0)
    frame["complaints_30d"] = count(age < 30)
    frame["complaints_90d"] = count(age < 90)
    frame["severe_complaints_90d"] = count((age < 90) & (sev >= 4))
    frame["days_since_last_complaint"] = np.where(np.isfinite(last), last, np.nan)
    churned = h.churned_s[alive]
    frame[dataset.LABEL] = (churned <= cutoff_s + HORIZON * DAY).astype(int)
    return frame, obs


@pytest.fixture(scope="module")
def holdout(sim):
    history, scale = sim
    test_cutoff = NOW_S - HORIZON * DAY
    frame, obs = frame_at(history, test_cutoff)
    return frame, oracle.churn_probability(obs, HORIZON, scale), obs


def test_oracle_is_calibrated_on_the_simulation(holdout):
    frame, p, _ = holdout
    m = evaluate.metrics(frame[dataset.LABEL], p)
    assert m["ece"] < 0.004, m["calibration"]
    assert abs(p.mean() - frame[dataset.LABEL].mean()) < 0.003


@pytest.mark.parametrize("kind", ["logistic", "gbdt", "forest"])
def test_no_model_trained_on_the_observable_features_ranks_better(sim, holdout, kind):
    history, _ = sim
    test, p, _ = holdout
    cutoffs = [NOW_S - 2 * HORIZON * DAY - k * 30 * DAY for k in (0, 1)]
    train = pd.concat([frame_at(history, c)[0] for c in cutoffs], ignore_index=True)
    names = [c for c in train.columns if c != dataset.LABEL]
    numeric = [c for c in names if c not in CATEGORICAL]
    pipe = build_pipeline(kind, numeric=numeric, categorical=CATEGORICAL, impute=True)
    pipe.fit(train[names], train[dataset.LABEL])
    model_auc = roc_auc_score(test[dataset.LABEL], pipe.predict_proba(test[names])[:, 1])
    assert roc_auc_score(test[dataset.LABEL], p) >= model_auc


def test_true_uplift_of_a_complaint_is_positive_and_grows_with_severity(sim, holdout):
    _, scale = sim
    _, p, obs = holdout
    lifts = [
        (oracle.churn_probability(obs, HORIZON, scale, extra_severity=s) - p).mean()
        for s in range(1, 6)
    ]
    assert 0 < lifts[0] and all(a < b for a, b in zip(lifts, lifts[1:], strict=False))


def test_a_customer_without_complaints_matches_a_direct_simulation(sim):
    """One month-to-month customer, 400 days in, no complaint so far: simulate him forward."""
    history, scale = sim
    h = history
    row = h.customers.iloc[[0]].copy()
    categories = row["contract_type"].cat.categories
    row["contract_type"] = pd.Categorical(["month-to-month"], categories=categories)
    obs = oracle.Observed(row.reset_index(drop=True), np.array([400.0]),
                          np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))  # fmt: skip
    p = oracle.churn_probability(obs, HORIZON, scale)[0]
    rng = np.random.default_rng(5)
    n = 400_000
    many = pd.concat([row] * n, ignore_index=True)
    u = rng.normal(size=n)
    g = rng.gamma(2.0, 0.5, n)
    lam = scale * complaint_weight(many, u) * g
    rate = np.exp(log_hazard(many) + MECHANISM.unhappiness * u)
    base = (rng.exponential(1.0, n) / rate) ** (1 / MECHANISM.weibull_shape) * 30.4375
    quiet = rng.random(n) < np.exp(-lam * 400.0)  # no complaint in the first 400 days
    alive = quiet & (base > 400.0)
    # Forward: base churn in the horizon, or a complaint that fires (severity from u).
    k = rng.poisson(lam * HORIZON)
    owner = np.repeat(np.arange(n), k)
    when = 400.0 + rng.random(len(owner)) * HORIZON
    q = sigmoid(-1.0 + 0.6 * u[owner] + 0.3)
    sev = 1 + rng.binomial(4, q)
    push = complaint_push(sev, codes_of(many["contract_type"], CONTRACTS)[owner])
    e = rng.exponential(1.0, len(owner))
    fires = e < push
    delay = np.where(fires, -30.0 * np.log1p(-np.where(fires, e / push, 0.0)), np.inf)
    first = np.full(n, np.inf)
    np.minimum.at(first, owner, when + delay)
    churn = np.minimum(base, first) <= 400.0 + HORIZON
    simulated = churn[alive].mean()
    se = np.sqrt(simulated * (1 - simulated) / alive.sum())
    assert abs(p - simulated) < 4 * se + 1e-4, (p, simulated, se)
