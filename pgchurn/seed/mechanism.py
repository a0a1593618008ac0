"""The churn mechanism: populations, the churn hazard, and the complaint process over time.

This is the generative model docs/data.md documents: a Weibull churn hazard from the
customer's attributes (`log_hazard`), complaints as a Poisson process (`complaint_weight`,
`complaint_rates`), and the extra hazard each complaint adds (`complaint_push`), simulated as
competing risks. Training code can reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DAY = 86_400
MONTH_DAYS = 30.4375
HISTORY_MONTHS = 72

CONTRACTS = ("month-to-month", "one-year", "two-year")
PAYMENTS = ("electronic-check", "mailed-check", "bank-transfer", "credit-card")
INTERNET = ("dsl", "fiber-optic", "none")
MTM, ONE_YEAR, TWO_YEAR = 0, 1, 2
DSL, FIBER, NO_INTERNET = 0, 1, 2


# ---------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Population:
    """The product and price mix new customers are drawn from."""

    name: str
    internet: tuple[float, float, float]  # dsl, fiber-optic, none
    contract: tuple[float, float, float]  # month-to-month, one-year, two-year
    electronic_check: float  # share paying by electronic check, before the contract's effect
    support_add_ons: float  # chance of online_security / tech_support for internet customers
    price_factor: float  # multiplies every list price


BASELINE = Population("baseline", (0.34, 0.44, 0.22), (0.55, 0.21, 0.24), 0.34, 0.33, 1.0)
SHIFTED = Population("shifted", (0.26, 0.62, 0.12), (0.70, 0.16, 0.14), 0.45, 0.22, 1.12)
POPULATIONS = {p.name: p for p in (BASELINE, SHIFTED)}


@dataclass(frozen=True)
class Mechanism:
    """Coefficients of the churn hazard (log scale, per month) and of the complaint process."""

    base_hazard: float = 0.0035  # two-year contract, no risk factor, first month
    weibull_shape: float = 0.7  # < 1: the hazard falls with tenure
    contract: tuple[float, float, float] = (2.2, 0.9, 0.0)
    charges_per_unit: float = 0.012  # per currency unit above 65 a month
    electronic_check: float = 0.5
    fiber: float = 0.25
    paperless: float = 0.15
    senior: float = 0.25
    partner: float = -0.15
    dependents: float = -0.2
    online_security: float = -0.45
    tech_support: float = -0.45
    unhappiness: float = 0.3  # latent, never stored: also raises complaint rate and severity
    push: float = 0.08  # chance that one severity-3 complaint makes a month-to-month customer leave
    push_severity: float = 0.6  # per severity step above 3
    push_contract: tuple[float, float, float] = (1.0, 0.45, 0.2)
    push_decay_days: float = 30.0  # a complaint's extra hazard halves in about 3 weeks


MECHANISM = Mechanism()


# ---------------------------------------------------------------------------- small helpers
def sigmoid(x: FloatArray) -> FloatArray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def codes_of(column: pd.Series, categories: tuple[str, ...]) -> IntArray:
    """Category codes of a column, whether it is Categorical or plain text."""
    as_cat = pd.Categorical(column, categories=list(categories))
    return np.asarray(as_cat.codes, dtype=np.int64)


# ---------------------------------------------------------------------------- mechanism
def log_hazard(customers: pd.DataFrame, m: Mechanism = MECHANISM) -> FloatArray:
    """Log of the monthly churn hazard's scale from observed attributes (complaints excluded)."""
    c = customers
    contract = np.asarray(m.contract)[codes_of(c["contract_type"], CONTRACTS)]
    terms = (
        contract
        + m.charges_per_unit * (c["monthly_charges"].to_numpy() - 65.0)
        + m.electronic_check * (codes_of(c["payment_method"], PAYMENTS) == 0)
        + m.fiber * (codes_of(c["internet_service"], INTERNET) == FIBER)
        + sum(getattr(m, name) * c[col].to_numpy() for name, col in _BOOLEAN_TERMS)
    )
    return np.asarray(np.log(m.base_hazard) + terms, dtype=np.float64)


_BOOLEAN_TERMS = (
    ("paperless", "paperless_billing"),
    ("senior", "senior_citizen"),
    ("partner", "has_partner"),
    ("dependents", "has_dependents"),
    ("online_security", "online_security"),
    ("tech_support", "tech_support"),
)


def complaint_push(severity: IntArray, contract: IntArray, m: Mechanism = MECHANISM) -> FloatArray:
    """Total extra churn hazard one complaint adds (it decays with time after the complaint)."""
    lock_in = np.asarray(m.push_contract, dtype=np.float64)[contract]
    return np.asarray(m.push * np.exp(m.push_severity * (severity - 3.0)) * lock_in)


def complaint_weight(customers: pd.DataFrame, unhappiness: FloatArray) -> FloatArray:
    """Relative complaint rate: fiber, no support, high bills, no contract and unhappiness."""
    c = customers
    internet = codes_of(c["internet_service"], INTERNET)
    log_w = (
        0.4 * (internet == FIBER)
        + 0.3 * ((internet != NO_INTERNET) & ~c["tech_support"])
        + 0.2 * (codes_of(c["contract_type"], CONTRACTS) == MTM)
        + 0.01 * (c["monthly_charges"].to_numpy() - 65.0)
        + 0.6 * unhappiness
    )
    return np.exp(np.asarray(log_w, dtype=np.float64))


# ---------------------------------------------------------------------------- time line
@dataclass(frozen=True)
class Lives:
    """Per customer: sign-up, days observed until now, latent unhappiness, base churn time."""

    signup_s: IntArray  # midnight UTC of customer_since, seconds since the epoch
    exposure: FloatArray  # days from sign-up to now
    unhappiness: FloatArray
    base_churn: FloatArray  # days after sign-up, from the attributes' hazard alone


def draw_age_days(rng: np.random.Generator, n: int) -> IntArray:
    """Days from sign-up to now, uniform over the last 72 months."""
    return rng.integers(0, int(HISTORY_MONTHS * MONTH_DAYS), n, dtype=np.int64)


def draw_lives(
    rng: np.random.Generator, customers: pd.DataFrame, age_days: IntArray, now_s: int
) -> Lives:
    """Sign-up instants, latent unhappiness and a Weibull churn time per customer."""
    n = len(customers)
    signup_s = (now_s // DAY - age_days) * DAY
    unhappiness = rng.normal(0.0, 1.0, n)
    rate = np.exp(log_hazard(customers) + MECHANISM.unhappiness * unhappiness)
    months = (rng.exponential(1.0, n) / rate) ** (1.0 / MECHANISM.weibull_shape)
    exposure = (now_s - signup_s) / DAY
    return Lives(signup_s.astype(np.int64), exposure, unhappiness, months * MONTH_DAYS)


def complaint_rates(
    rng: np.random.Generator, customers: pd.DataFrame, lives: Lives, scale: float
) -> FloatArray:
    """Complaints per day: `scale` times the weight times a gamma frailty (overdispersed counts)."""
    frailty = rng.gamma(2.0, 0.5, len(customers))
    return scale * complaint_weight(customers, lives.unhappiness) * frailty


def draw_complaint_times(
    rng: np.random.Generator, rates: FloatArray, lives: Lives
) -> tuple[IntArray, FloatArray]:
    """A Poisson process per customer from sign-up to now: owner rows and days after sign-up."""
    counts = rng.poisson(rates * lives.exposure)
    owner = np.repeat(np.arange(len(rates)), counts)
    return owner, rng.random(len(owner)) * lives.exposure[owner]


def draw_severity(
    rng: np.random.Generator, owner: IntArray, customers: pd.DataFrame, lives: Lives
) -> IntArray:
    """Severity 1-5: unhappy and month-to-month customers complain harder."""
    mtm = codes_of(customers["contract_type"], CONTRACTS)[owner] == MTM
    p = sigmoid(-1.0 + 0.6 * lives.unhappiness[owner] + 0.3 * mtm)
    return 1 + rng.binomial(4, p)


def trigger_times(rng: np.random.Generator, push: FloatArray, decay_days: float) -> FloatArray:
    """Delay until a complaint's extra hazard fires, in days; inf when it never does.

    The extra hazard is `push / decay_days * exp(-t / decay_days)`: its integral is `push`, so a
    complaint fires with probability `1 - exp(-push)`, most likely in the first weeks after it.
    """
    e = rng.exponential(1.0, len(push))
    fires = e < push
    ratio = np.where(fires, e / np.where(push > 0, push, 1.0), 0.0)
    return np.where(fires, -decay_days * np.log1p(-ratio), np.inf)


def churn_days(
    rng: np.random.Generator,
    customers: pd.DataFrame,
    lives: Lives,
    owner: IntArray,
    when: FloatArray,
    severity: IntArray,
) -> FloatArray:
    """Competing risks: the base churn time or the first complaint that pushes the customer out."""
    contract = codes_of(customers["contract_type"], CONTRACTS)[owner]
    push = complaint_push(severity, contract)
    fired = when + trigger_times(rng, push, MECHANISM.push_decay_days)
    first = np.full(len(customers), np.inf)
    np.minimum.at(first, owner, fired)
    return np.asarray(np.minimum(lives.base_churn, first), dtype=np.float64)
