r"""The best possible churn prediction for the demo data: the generator's own probability.

For a customer who is still a customer at the cutoff T, the oracle gives
P(churn in (T, T+H] | what a model can observe), from the true mechanism (`mechanism.py`).
What is observed: the attributes x, the days e from sign-up to T, the complaints filed up to
T (their ages a_i = days before T and severities s_i, n of them), and survival to T.
What is not: the latent unhappiness u ~ N(0, 1) and the gamma frailty g ~ Gamma(2, rate 2)
of the complaint rate. Both are integrated out over their posterior.

Derivation. Given (u, g), complaints are a Poisson process of rate lam = c(u) g per day, with
c(u) = scale * complaint_weight(x, 0) * exp(0.6 u); a complaint's severity is
1 + Binomial(4, q(u)), q(u) = sigmoid(-1 + 0.6 u + 0.3 [month-to-month]); the base churn
time has cumulative hazard r(u) t^k (t in months, k = weibull_shape,
r(u) = exp(log_hazard(x) + 0.3 u)); complaint i adds a hazard whose integral from its filing
to t days later is p_i (1 - exp(-t / d)), p_i = complaint_push(s_i, contract), d the decay.

1. Likelihood of the observation given (u, g), up to factors free of (u, g):
   (c g)^n exp(-c g e)  [complaints]  x  prod_i q^(s_i-1) (1-q)^(5-s_i)  [severities]
   x  exp(-r(u) (e/M)^k)  [base survival to T]  x  prod_i exp(-p_i (1 - exp(-a_i/d)))
   [no complaint fired yet; free of (u, g), so it cancels].
2. The frailty integrates in closed form: against Gamma(2, rate 2),
   int (c g)^n exp(-c g e) g 4 exp(-2 g) dg  is proportional to  c^n / (c e + 2)^(n+2),
   and g | u, data ~ Gamma(n + 2, rate c e + 2).
3. u is integrated by Gauss-Hermite quadrature (QUADRATURE_NODES nodes of N(0, 1)),
   each node weighted by the likelihood of steps 1-2: the posterior of u.
4. Survival through the horizon, given (u, g), is the product of
   - the base hazard: exp(-r(u) (((e+H)/M)^k - (e/M)^k));
   - the past complaints, given they had not fired: prod_i exp(-p_i (exp(-a_i/d) -
     exp(-(a_i+H)/d)));
   - the complaints still to come: by Poisson thinning, the number of complaints filed in
     (T, T+H] that fire before T+H is Poisson with mean lam Q(u), where
     Q(u) = int_0^H sum_s P(s | u) (1 - exp(-p_s (1 - exp(-(H - t)/d)))) dt, so they spare
     the customer with probability exp(-c g Q); averaged over g | u, data that is
     ((c e + 2) / (c e + 2 + c Q))^(n+2).
   The churn probability is 1 minus the posterior mean of that survival.

`extra_severity` adds one complaint of that severity filed at T (age 0): it enters the
likelihood (n + 1, its severity) and the past complaints, as it would in a model's features.
The scale of the complaint rate is the generator's (`generator.complaint_scale`): the oracle
of a database seeded with `pgchurn seed --seed S --now N` needs S and N (`scale_of_seed`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from numpy.polynomial.hermite_e import hermegauss

from pgchurn.seed.generator import History, complaint_scale
from pgchurn.seed.mechanism import (
    CONTRACTS,
    DAY,
    MECHANISM,
    MONTH_DAYS,
    MTM,
    POPULATIONS,
    FloatArray,
    IntArray,
    Mechanism,
    codes_of,
    complaint_push,
    complaint_weight,
    log_hazard,
    sigmoid,
)

QUADRATURE_NODES = 80
HORIZON_STEPS = 200
UNHAPPY_COMPLAINTS = 0.6  # complaint_weight's coefficient of unhappiness
SEVERITY_INTERCEPT, SEVERITY_UNHAPPY, SEVERITY_MTM = -1.0, 0.6, 0.3  # draw_severity's
FRAILTY_SHAPE, FRAILTY_RATE = 2.0, 2.0  # complaint_rates' gamma(2, scale 0.5)


@dataclass(frozen=True)
class Observed:
    """What a model can observe of customers alive at a cutoff, in the generator's terms."""

    customers: pd.DataFrame  # the generator's attribute columns, one row per customer
    exposure_days: FloatArray  # days from sign-up to the cutoff
    owner: IntArray  # complaints up to the cutoff: the row of their customer
    age_days: FloatArray  # days from the complaint to the cutoff (>= 0)
    severity: IntArray


def observed_from_history(history: History, cutoff_s: int) -> tuple[Observed, IntArray]:
    """Customers of a simulated history signed up and not churned at cutoff_s, and their rows.

    Returns the observation and the indices of those customers in the history.
    """
    h = history
    alive = np.flatnonzero((h.lives.signup_s <= cutoff_s) & (h.churned_s > cutoff_s))
    row_of = np.full(len(h.customers), -1)
    row_of[alive] = np.arange(len(alive))
    c = h.complaints
    seen = (c.at_s <= cutoff_s) & (row_of[c.owner] >= 0)
    obs = Observed(
        h.customers.iloc[alive].reset_index(drop=True),
        (cutoff_s - h.lives.signup_s[alive]) / DAY,
        row_of[c.owner[seen]],
        (cutoff_s - c.at_s[seen]) / DAY,
        c.severity[seen].astype(np.int64),
    )
    return obs, alive


def scale_of_seed(seed: int, now: datetime, *, mean: float = 2.0, population: str = "baseline"
                  ) -> float:  # fmt: skip
    """The complaint-rate scale `pgchurn seed --seed SEED --now NOW` used."""
    return complaint_scale(seed, mean, POPULATIONS[population], int(now.timestamp()))


def _per_customer_sum(values: Any, owner: IntArray, n: int) -> FloatArray:
    return np.bincount(owner, weights=values, minlength=n).astype(np.float64)


def _future_thinning(contract: IntArray, u: FloatArray, horizon: float, m: Mechanism
                     ) -> FloatArray:  # fmt: skip
    """Q(u) per customer and node: expected days-weighted chance a new complaint fires in time."""
    t = (np.arange(HORIZON_STEPS) + 0.5) * horizon / HORIZON_STEPS  # midpoints of (0, H)
    left = 1.0 - np.exp(-(horizon - t) / m.push_decay_days)  # share of the push still to come
    out = np.empty((3, len(u)))
    for kind in range(3):
        q = sigmoid(SEVERITY_INTERCEPT + SEVERITY_UNHAPPY * u + SEVERITY_MTM * (kind == MTM))
        total = np.zeros(len(u))
        for s in range(1, 6):
            p_s = float(complaint_push(np.array([s]), np.array([kind]), m)[0])
            fire = (1.0 - np.exp(-p_s * left)).mean() * horizon
            total += _binom4(s - 1, q) * fire
        out[kind] = total
    return np.asarray(out[contract], dtype=np.float64)


def _binom4(k: int, q: FloatArray) -> FloatArray:
    coef = (1.0, 4.0, 6.0, 4.0, 1.0)[k]
    return np.asarray(coef * q**k * (1.0 - q) ** (4 - k), dtype=np.float64)


def churn_probability(obs: Observed, horizon_days: float, scale: float, *,
                      extra_severity: int | None = None, m: Mechanism = MECHANISM
                      ) -> FloatArray:  # fmt: skip
    """P(churn within horizon_days after the cutoff | observed), per customer (see the module)."""
    if extra_severity is not None:
        obs = with_complaint_at_cutoff(obs, extra_severity)
    cust, n = obs.customers, len(obs.customers)
    contract = codes_of(cust["contract_type"], CONTRACTS)
    nodes, weights = hermegauss(QUADRATURE_NODES)
    u = nodes[None, :]
    count = np.bincount(obs.owner, minlength=n).astype(np.float64)[:, None]
    e = obs.exposure_days[:, None]
    c = scale * complaint_weight(cust, np.zeros(n))[:, None] * np.exp(UNHAPPY_COMPLAINTS * u)
    shape, rate = count + FRAILTY_SHAPE, c * e + FRAILTY_RATE
    q = sigmoid(
        SEVERITY_INTERCEPT + SEVERITY_UNHAPPY * u + SEVERITY_MTM * (contract == MTM)[:, None]
    )
    sev = _per_customer_sum(obs.severity - 1.0, obs.owner, n)[:, None]
    r = np.exp(log_hazard(cust, m)[:, None] + m.unhappiness * u)
    k = m.weibull_shape
    log_post = (
        np.log(weights)[None, :]
        + count * np.log(c) - shape * np.log(rate)
        + sev * np.log(q) + (4.0 * count - sev) * np.log1p(-q)
        - r * (e / MONTH_DAYS) ** k
    )  # fmt: skip
    post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    post /= post.sum(axis=1, keepdims=True)
    base = np.exp(-r * (((e + horizon_days) / MONTH_DAYS) ** k - (e / MONTH_DAYS) ** k))
    future = (rate / (rate + c * _future_thinning(contract, nodes, horizon_days, m))) ** shape
    push = complaint_push(obs.severity, contract[obs.owner], m)
    decay = m.push_decay_days
    fire = push * (np.exp(-obs.age_days / decay) - np.exp(-(obs.age_days + horizon_days) / decay))
    past = np.exp(-_per_customer_sum(fire, obs.owner, n))
    return np.asarray(1.0 - past * (post * base * future).sum(axis=1), dtype=np.float64)


def with_complaint_at_cutoff(obs: Observed, severity: int) -> Observed:
    """The observation with one more complaint per customer, of `severity`, filed at the cutoff."""
    n = len(obs.customers)
    return replace(
        obs,
        owner=np.concatenate([obs.owner, np.arange(n)]),
        age_days=np.concatenate([obs.age_days, np.zeros(n)]),
        severity=np.concatenate([obs.severity, np.full(n, severity, dtype=np.int64)]),
    )


# ---------------------------------------------------------------------------- from a database
PROFILES = """
SELECT customer_id, contract_type, monthly_charges, payment_method, internet_service,
       paperless_billing, senior_citizen, has_partner, has_dependents, online_security,
       tech_support, extract(epoch FROM %(cutoff)s - customer_since::timestamptz) / 86400.0
  FROM churn.customer_profile
 WHERE customer_id = ANY(%(ids)s)
"""
COMPLAINTS = """
SELECT customer_id, extract(epoch FROM %(cutoff)s - created_at) / 86400.0, severity
  FROM churn.complaint
 WHERE customer_id = ANY(%(ids)s) AND created_at <= %(cutoff)s
"""
ATTRIBUTES = ("contract_type", "monthly_charges", "payment_method", "internet_service",
              "paperless_billing", "senior_citizen", "has_partner", "has_dependents",
              "online_security", "tech_support")  # fmt: skip


def observed_from_db(url: str, cutoff: datetime, customer_ids: Any) -> Observed:
    """The observation of these customers at the cutoff, read from a seeded database.

    The rows follow `customer_ids`' order.
    """
    from pgchurn.db import connect

    ids = [int(i) for i in customer_ids]
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(PROFILES, {"cutoff": cutoff, "ids": ids})
        profiles = pd.DataFrame(cur.fetchall(), columns=["customer_id", *ATTRIBUTES, "exposure"])
        cur.execute(COMPLAINTS, {"cutoff": cutoff, "ids": ids})
        complaints = pd.DataFrame(cur.fetchall(), columns=["customer_id", "age", "severity"])
    profiles = profiles.set_index("customer_id").loc[ids].reset_index()
    profiles["monthly_charges"] = profiles["monthly_charges"].astype(float)
    row_of = pd.Series(np.arange(len(ids)), index=ids)
    return Observed(
        profiles[list(ATTRIBUTES)],
        profiles["exposure"].to_numpy(dtype=np.float64),
        row_of.loc[complaints["customer_id"]].to_numpy(dtype=np.int64),
        complaints["age"].to_numpy(dtype=np.float64),
        complaints["severity"].to_numpy(dtype=np.int64),
    )
