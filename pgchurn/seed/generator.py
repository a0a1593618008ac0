"""`pgchurn seed`: telecom-style demo customers, complaints and churn, loaded through COPY.

The generator is made of pure functions that return DataFrames whose columns are the
database's columns, so training code can reuse the churn mechanism (`log_hazard`,
`complaint_push`). The loader streams them into PostgreSQL chunk by chunk with COPY.
docs/data.md describes the mechanism and the measured speed.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import click
import numpy as np
import numpy.typing as npt
import pandas as pd
import psycopg2
from psycopg2 import sql
from psycopg2.extensions import connection as PgConnection
from psycopg2.extensions import cursor as PgCursor
from rich.console import Console
from rich.progress import track

from pgchurn.config import choose_database
from pgchurn.errors import PgchurnError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DAY = 86_400
MONTH_DAYS = 30.4375
HISTORY_MONTHS = 72
CHUNK_SIZE = 100_000
COHORT_LIFT_PER_YEAR = 0.35
DISPUTE_BURST = 6.0
DISPUTE_DAYS = 30.0
PILOT_CUSTOMERS = 50_000
PILOT_STEPS = 4
PILOT_STREAM = 2**32  # chunk streams use spawn keys 0, 1, 2, ...
NEVER = np.iinfo(np.int64).max
NULL = r"\N"

CONTRACTS = ("month-to-month", "one-year", "two-year")
PAYMENTS = ("electronic-check", "mailed-check", "bank-transfer", "credit-card")
INTERNET = ("dsl", "fiber-optic", "none")
CATEGORIES = ("billing", "network", "service", "device", "contract", "other")
CHANNELS = ("phone", "email", "chat", "store", "social")
DISPUTE_TEXT = "dispute of the final bill after cancellation"
MTM, ONE_YEAR, TWO_YEAR = 0, 1, 2
DSL, FIBER, NO_INTERNET = 0, 1, 2

PROFILE_COLUMNS = (
    "customer_id",
    "customer_since",
    "tenure_months",
    "contract_type",
    "monthly_charges",
    "total_charges",
    "payment_method",
    "internet_service",
    "paperless_billing",
    "senior_citizen",
    "has_partner",
    "has_dependents",
    "phone_service",
    "multiple_lines",
    "online_security",
    "tech_support",
    "streaming_tv",
    "churned_at",
    "complaints_total",
    "last_complaint_at",
    "updated_at",
)
COMPLAINT_COLUMNS = ("customer_id", "created_at", "category", "severity", "channel", "description")
SEEDED_TABLES = ("complaint", "customer_profile", "score_log")


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


@dataclass(frozen=True)
class SeedSpec:
    """Everything that decides the generated rows: the same spec gives the same bytes."""

    customers: int
    complaints_per_customer: float = 2.0
    seed: int = 0
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    population: Population = BASELINE
    first_id: int = 1
    chunk_size: int = CHUNK_SIZE

    def __post_init__(self) -> None:
        """Refuse a naive reference time: it would silently mean the machine's local time."""
        if self.now.tzinfo is None:
            raise ValueError(f"SeedSpec.now must be timezone-aware, not {self.now.isoformat()}")

    def chunks(self) -> int:
        """Number of chunks the customers are generated in."""
        return -(-self.customers // self.chunk_size)

    def now_seconds(self) -> int:
        """The reference time as whole seconds since the Unix epoch."""
        return int(self.now.timestamp())


@dataclass(frozen=True)
class Chunk:
    """One chunk of generated rows, with exactly the database's columns."""

    customers: pd.DataFrame
    complaints: pd.DataFrame


# ---------------------------------------------------------------------------- small helpers
def chunk_rng(seed: int, index: int) -> np.random.Generator:
    """An independent generator per chunk, so chunk i never depends on chunk i - 1."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def pick(rng: np.random.Generator, probs: npt.ArrayLike) -> IntArray:
    """One category code per row of an (n, k) array of probabilities (inverse CDF)."""
    cumulative = np.cumsum(np.asarray(probs, dtype=np.float64), axis=1)
    u = rng.random(len(cumulative))[:, None] * cumulative[:, -1:]
    codes = np.minimum((u >= cumulative).sum(axis=1), cumulative.shape[1] - 1)
    return np.asarray(codes, dtype=np.int64)


def pick_n(rng: np.random.Generator, n: int, probs: tuple[float, ...]) -> IntArray:
    """Draw n category codes with the same probabilities."""
    return pick(rng, np.broadcast_to(np.asarray(probs), (n, len(probs))))


def sigmoid(x: FloatArray) -> FloatArray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def categorical(codes: IntArray, categories: tuple[str, ...]) -> pd.Categorical:
    """A pandas Categorical with fixed categories (code -1 is NULL)."""
    return pd.Categorical.from_codes(codes, categories=list(categories))


def codes_of(column: pd.Series, categories: tuple[str, ...]) -> IntArray:
    """Category codes of a column, whether it is Categorical or plain text."""
    as_cat = pd.Categorical(column, categories=list(categories))
    return np.asarray(as_cat.codes, dtype=np.int64)


# ---------------------------------------------------------------------------- customers
def draw_household(rng: np.random.Generator, n: int) -> dict[str, BoolArray]:
    """Senior citizen, partner and dependents (dependents mostly come with a partner)."""
    partner = rng.random(n) < 0.48
    dependents = rng.random(n) < np.where(partner, 0.52, 0.09)
    return {
        "senior_citizen": rng.random(n) < 0.16,
        "has_partner": partner,
        "has_dependents": dependents,
    }


def draw_lines(rng: np.random.Generator, n: int, pop: Population) -> dict[str, Any]:
    """Internet product and phone lines; every customer has at least one of them."""
    internet = pick_n(rng, n, pop.internet)
    phone = (rng.random(n) < 0.9) | (internet == NO_INTERNET)
    multiple = phone & (rng.random(n) < 0.45)
    return {"internet": internet, "phone_service": phone, "multiple_lines": multiple}


def draw_contract(
    rng: np.random.Generator, a: dict[str, Any], pop: Population, years: FloatArray
) -> IntArray:
    """Contract type: families and earlier cohorts have longer contracts, seniors shorter ones.

    `years` is how long before now the customer signed up: the longer contracts were sold more
    in earlier years, so long-standing customers hold more of them.
    """
    family = 0.35 * a["has_partner"] + 0.35 * a["has_dependents"] - 0.4 * a["senior_citizen"]
    lift = family + COHORT_LIFT_PER_YEAR * (years - HISTORY_MONTHS / 24)
    logits = np.log(pop.contract)[None, :] + np.outer(lift, (0.0, 1.0, 1.3))
    weights = np.exp(logits)
    return pick(rng, weights / weights.sum(axis=1, keepdims=True))


def draw_payment(rng: np.random.Generator, a: dict[str, Any], pop: Population) -> IntArray:
    """Payment method: electronic checks go with month-to-month and paperless billing."""
    n = len(a["contract"])
    lift = np.where(a["contract"] == MTM, 1.35, 0.55) * np.where(a["paperless_billing"], 1.2, 0.7)
    echeck = rng.random(n) < np.minimum(pop.electronic_check * lift, 0.9)
    mailed = np.where(a["internet"] == NO_INTERNET, 0.6, 0.3)
    others = np.stack([mailed, (1 - mailed) / 2, (1 - mailed) / 2], axis=1)
    return np.where(echeck, 0, 1 + pick(rng, others))


def draw_add_ons(rng: np.random.Generator, a: dict[str, Any], pop: Population) -> dict[str, Any]:
    """Security, support and streaming add-ons, only for internet customers."""
    n = len(a["contract"])
    online = a["internet"] != NO_INTERNET
    loyal = np.array((0.0, 0.6, 1.1))[a["contract"]] - 0.3 * (a["internet"] == FIBER)
    support = sigmoid(np.log(pop.support_add_ons / (1 - pop.support_add_ons)) + loyal)
    streaming = np.where(a["internet"] == FIBER, 0.6, 0.35)
    return {
        "online_security": online & (rng.random(n) < support),
        "tech_support": online & (rng.random(n) < support),
        "streaming_tv": online & (rng.random(n) < streaming),
    }


def monthly_charges(rng: np.random.Generator, a: dict[str, Any], pop: Population) -> FloatArray:
    """List prices of the products held, a two-year discount and some noise; 2 decimals."""
    price = (
        20.0 * a["phone_service"]
        + 5.0 * a["multiple_lines"]
        + np.array((25.0, 55.0, 0.0))[a["internet"]]
        + 5.0 * a["online_security"]
        + 5.0 * a["tech_support"]
        + 10.0 * a["streaming_tv"]
    )
    price = price * np.where(a["contract"] == TWO_YEAR, 0.95, 1.0) * pop.price_factor
    noisy = price + rng.normal(0.0, 2.5, len(price))
    return np.asarray(np.round(np.maximum(noisy, 15.0), 2), dtype=np.float64)


def draw_attributes(rng: np.random.Generator, pop: Population, age_days: IntArray) -> pd.DataFrame:
    """Customer attributes: household, products, contract, payment and price.

    `age_days` (days from sign-up to now) only shapes the contract mix of each sign-up cohort.
    """
    n = len(age_days)
    a: dict[str, Any] = draw_household(rng, n) | draw_lines(rng, n, pop)
    a["contract"] = draw_contract(rng, a, pop, age_days / (12 * MONTH_DAYS))
    a["paperless_billing"] = rng.random(n) < np.where(a["internet"] == NO_INTERNET, 0.3, 0.65)
    a["payment"] = draw_payment(rng, a, pop)
    a |= draw_add_ons(rng, a, pop)
    a["monthly_charges"] = monthly_charges(rng, a, pop)
    a["contract_type"] = categorical(a.pop("contract"), CONTRACTS)
    a["payment_method"] = categorical(a.pop("payment"), PAYMENTS)
    a["internet_service"] = categorical(a.pop("internet"), INTERNET)
    return pd.DataFrame(a)


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


# ---------------------------------------------------------------------------- complaints
@dataclass(frozen=True)
class Complaints:
    """Complaint events of a chunk: owner row, time in epoch seconds and their attributes."""

    owner: IntArray
    at_s: IntArray
    severity: IntArray
    category: IntArray
    channel: IntArray
    dispute: BoolArray


def draw_category(rng: np.random.Generator, owner: IntArray, customers: pd.DataFrame) -> IntArray:
    """Complaint category: fiber-optic customers report network problems more often."""
    fiber = codes_of(customers["internet_service"], INTERNET)[owner] == FIBER
    usual = np.array((0.30, 0.22, 0.20, 0.12, 0.09, 0.07))
    on_fiber = np.array((0.24, 0.36, 0.17, 0.10, 0.07, 0.06))
    return pick(rng, np.where(fiber[:, None], on_fiber, usual))


def draw_channel(rng: np.random.Generator, owner: IntArray, customers: pd.DataFrame) -> IntArray:
    """Complaint channel: seniors phone and visit stores, others chat and post more."""
    senior = customers["senior_citizen"].to_numpy()[owner]
    seniors = np.array((0.55, 0.10, 0.05, 0.28, 0.02))
    others = np.array((0.36, 0.20, 0.24, 0.08, 0.12))
    return pick(rng, np.where(senior[:, None], seniors, others))


def draw_disputes(
    rng: np.random.Generator, churned_s: IntArray, rates: FloatArray, now_s: int
) -> Complaints:
    """Final-bill disputes: billing complaints in the month after a customer left.

    For DISPUTE_DAYS after leaving, a customer complains DISPUTE_BURST times as often as before.
    """
    left = np.flatnonzero(churned_s != NEVER)
    counts = rng.poisson(DISPUTE_BURST * DISPUTE_DAYS * rates[left])
    owner = np.repeat(left, counts)
    delay = rng.uniform(1.0, 1.0 + DISPUTE_DAYS, len(owner))
    at_s = churned_s[owner] + (delay * DAY).astype(np.int64)
    owner, at_s = owner[at_s <= now_s], at_s[at_s <= now_s]
    n = len(owner)
    severity = 2 + rng.binomial(2, 0.5, n)
    channel = np.where(rng.random(n) < 0.6, CHANNELS.index("phone"), CHANNELS.index("email"))
    billing = np.full(n, CATEGORIES.index("billing"))
    return Complaints(owner, at_s, severity, billing, channel, np.ones(n, dtype=np.bool_))


def combine(*parts: Complaints) -> Complaints:
    """Concatenate complaint events, ordered by customer and time (the COPY order)."""
    owner = np.concatenate([p.owner for p in parts])
    at_s = np.concatenate([p.at_s for p in parts])
    order = np.lexsort((at_s, owner))
    return Complaints(
        *(np.concatenate([getattr(p, f) for p in parts])[order] for f in Complaints.__annotations__)
    )


def seconds_after(signup_s: IntArray, days: FloatArray) -> IntArray:
    """Epoch seconds `days` after sign-up, rounded down; NEVER where days is infinite."""
    finite = np.isfinite(days)
    offset = np.floor(np.where(finite, days, 0.0) * DAY).astype(np.int64)
    return np.where(finite, signup_s + offset, NEVER)


def simulate(
    rng: np.random.Generator, customers: pd.DataFrame, lives: Lives, scale: float, now_s: int
) -> tuple[IntArray, Complaints]:
    """Churn time per customer (NEVER if still a customer) and every complaint, disputes included.

    Complaints are drawn from sign-up to now; churn follows from the attributes and from
    complaints filed *before* it; complaints after churn are dropped (the customer has gone),
    and then final-bill disputes are added after churn.
    """
    rates = complaint_rates(rng, customers, lives, scale)
    owner, when = draw_complaint_times(rng, rates, lives)
    severity = draw_severity(rng, owner, customers, lives)
    churn = churn_days(rng, customers, lives, owner, when, severity)
    churned_s = seconds_after(lives.signup_s, np.where(churn < lives.exposure, churn, np.inf))
    at_s = seconds_after(lives.signup_s[owner], when)
    kept = at_s < churned_s[owner]
    owner, at_s, severity = owner[kept], at_s[kept], severity[kept]
    before = Complaints(
        owner,
        at_s,
        severity,
        draw_category(rng, owner, customers),
        draw_channel(rng, owner, customers),
        np.zeros(len(owner), dtype=np.bool_),
    )
    return churned_s, combine(before, draw_disputes(rng, churned_s, rates, now_s))


@dataclass(frozen=True)
class History:
    """Customers with their lives, churn times (NEVER if still customers) and complaints."""

    customers: pd.DataFrame
    lives: Lives
    churned_s: IntArray
    complaints: Complaints


def draw_history(
    rng: np.random.Generator, n: int, pop: Population, scale: float, now_s: int
) -> History:
    """Draw n customers of a population and simulate them up to now."""
    age_days = draw_age_days(rng, n)
    customers = draw_attributes(rng, pop, age_days)
    lives = draw_lives(rng, customers, age_days, now_s)
    return History(customers, lives, *simulate(rng, customers, lives, scale, now_s))


@functools.cache
def complaint_scale(seed: int, mean: float, pop: Population, now_s: int) -> float:
    """Complaint rate scale at which customers average `mean` complaints, disputes included.

    Churn caused by complaints cuts histories short, so the scale is found by fixed-point steps
    on a pilot sample drawn with the same random numbers each step (from its own seed stream).
    """
    scale = mean / 1000.0
    for _ in range(PILOT_STEPS):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PILOT_STREAM,)))
        pilot = draw_history(rng, PILOT_CUSTOMERS, pop, scale, now_s)
        observed = len(pilot.complaints.owner) / PILOT_CUSTOMERS
        scale *= mean / observed if observed > 0 else 1.0
    return scale


# ---------------------------------------------------------------------------- frames
def timestamps(seconds: IntArray) -> npt.NDArray[np.datetime64]:
    """Epoch seconds as naive-UTC datetime64[s]; NEVER becomes NaT."""
    out = seconds.astype("datetime64[s]")
    out[seconds == NEVER] = np.datetime64("NaT")
    return out


def last_complaint(owner: IntArray, at_s: IntArray, n: int) -> IntArray:
    """Latest complaint time per customer row, NEVER for customers without complaints."""
    latest = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(latest, owner, at_s)
    return np.where(latest == np.iinfo(np.int64).min, NEVER, latest)


def whole_months(start_s: IntArray, end_s: IntArray) -> IntArray:
    """Whole calendar months from start to end, counted as PostgreSQL's age() counts them."""
    start, end = start_s.astype("datetime64[s]"), end_s.astype("datetime64[s]")
    months = (end.astype("datetime64[M]") - start.astype("datetime64[M]")).astype(np.int64)
    into_end = end - end.astype("datetime64[M]").astype("datetime64[s]")
    into_start = start - start.astype("datetime64[M]").astype("datetime64[s]")
    return np.asarray(months - (into_end < into_start), dtype=np.int64)


def total_charges(rng: np.random.Generator, monthly: FloatArray, tenure: IntArray) -> FloatArray:
    """Billed so far: tenure times the bill, give or take past price changes; NaN if unbilled."""
    billed = monthly * tenure * rng.uniform(0.93, 1.03, len(monthly))
    return np.where(tenure > 0, np.round(billed, 2), np.nan)


def profile_frame(
    rng: np.random.Generator, history: History, first_id: int, now_s: int
) -> pd.DataFrame:
    """The attributes plus ids, dates, tenure, charges, churn and exact complaint counters."""
    h, n = history, len(history.customers)
    tenure = whole_months(h.lives.signup_s, np.minimum(h.churned_s, now_s))
    c = h.customers.copy()
    c["customer_id"] = np.arange(first_id, first_id + n, dtype=np.int64)
    c["customer_since"] = timestamps(h.lives.signup_s)
    c["tenure_months"] = tenure.astype(np.int32)
    c["total_charges"] = total_charges(rng, c["monthly_charges"].to_numpy(), tenure)
    c["churned_at"] = timestamps(h.churned_s)
    c["complaints_total"] = np.bincount(h.complaints.owner, minlength=n).astype(np.int32)
    c["last_complaint_at"] = timestamps(last_complaint(h.complaints.owner, h.complaints.at_s, n))
    c["updated_at"] = timestamps(np.full(n, now_s, dtype=np.int64))
    return c[list(PROFILE_COLUMNS)]


def complaint_frame(complaints: Complaints, first_id: int) -> pd.DataFrame:
    """Complaint rows in COPY order, with exactly churn.complaint's writable columns."""
    c = complaints
    frame = {
        "customer_id": first_id + c.owner,
        "created_at": timestamps(c.at_s),
        "category": categorical(c.category, CATEGORIES),
        "severity": c.severity.astype(np.int16),
        "channel": categorical(c.channel, CHANNELS),
        "description": categorical(np.where(c.dispute, 0, -1), (DISPUTE_TEXT,)),
    }
    return pd.DataFrame(frame, columns=list(COMPLAINT_COLUMNS))


def generate_chunk(spec: SeedSpec, index: int) -> Chunk:
    """Chunk `index` of the customers in `spec`, with their complaints; pure and deterministic.

    Datetime columns are naive UTC; churned_at is NaT for customers who are still customers.
    """
    now_s, start = spec.now_seconds(), index * spec.chunk_size
    scale = complaint_scale(spec.seed, spec.complaints_per_customer, spec.population, now_s)
    rng = chunk_rng(spec.seed, index)
    n = min(spec.chunk_size, spec.customers - start)
    history = draw_history(rng, n, spec.population, scale, now_s)
    first_id = spec.first_id + start
    profiles = profile_frame(rng, history, first_id, now_s)
    return Chunk(profiles, complaint_frame(history.complaints, first_id))


def generate(spec: SeedSpec) -> Iterator[Chunk]:
    """Every chunk of `spec`, one at a time, so memory stays bounded by one chunk."""
    for index in range(spec.chunks()):
        yield generate_chunk(spec, index)


# ---------------------------------------------------------------------------- COPY text
def column_fields(values: pd.Series, *, date: bool = False) -> npt.NDArray[Any]:
    r"""One column as COPY text fields: t/f, numbers, ISO 8601 times, and \N for NULL.

    The categories and texts written here never hold tabs, newlines or backslashes, so no
    field needs escaping.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = np.array([*values.cat.categories, NULL], dtype=object)
        return np.asarray(lookup[values.cat.codes.to_numpy()])  # code -1 picks NULL
    arr = values.to_numpy()
    if arr.dtype == np.bool_:
        return np.where(arr, "t", "f")
    if np.issubdtype(arr.dtype, np.datetime64):
        return np.where(np.isnat(arr), NULL, iso_times(arr, date=date))
    if np.issubdtype(arr.dtype, np.floating):
        return np.where(np.isnan(arr), NULL, arr.astype(str))
    return np.asarray(arr.astype(str))


def iso_times(arr: npt.NDArray[np.datetime64], *, date: bool) -> npt.NDArray[np.str_]:
    """ISO 8601 text of naive-UTC times: a date, or a time with an explicit Z."""
    if date:
        return np.datetime_as_string(arr, unit="D")
    return np.datetime_as_string(arr, unit="s", timezone="UTC")


def copy_text(frame: pd.DataFrame, *, dates: tuple[str, ...] = ()) -> str:
    """The frame in COPY's text format: tab-separated fields, one line per row."""
    if frame.empty:
        return ""
    fields = [column_fields(frame[name], date=name in dates).tolist() for name in frame.columns]
    return "\n".join(map("\t".join, zip(*fields, strict=True))) + "\n"


# ---------------------------------------------------------------------------- loading
COUNTER_TRIGGER = "complaint_after_insert"


@dataclass(frozen=True)
class SeedResult:
    """What a seeding run loaded and how long it took."""

    first_id: int
    customers: int
    churned: int
    complaints: int
    seconds: float


def table(name: str) -> sql.Composable:
    """A table of schema churn as a quoted identifier."""
    return sql.Identifier("churn", name)


def copy_rows(
    cur: PgCursor, name: str, frame: pd.DataFrame, *, dates: tuple[str, ...] = ()
) -> None:
    """Stream a frame into churn.<name> with COPY FROM STDIN (text format)."""
    columns = sql.SQL(", ").join(map(sql.Identifier, frame.columns))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(table(name), columns)
    cur.copy_expert(statement, io.StringIO(copy_text(frame, dates=dates)), size=1 << 20)


def copy_chunk(cur: PgCursor, chunk: Chunk) -> None:
    """COPY one chunk: the profiles first, then their complaints (the foreign key needs them)."""
    copy_rows(cur, "customer_profile", chunk.customers, dates=("customer_since",))
    copy_rows(cur, "complaint", chunk.complaints)


def set_counter_trigger(cur: PgCursor, *, enabled: bool) -> None:
    """ENABLE or DISABLE the complaint counter trigger (a lock on churn.complaint until commit)."""
    action = sql.SQL("ENABLE" if enabled else "DISABLE")
    cur.execute(
        sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
            table("complaint"), action, sql.Identifier(COUNTER_TRIGGER)
        )
    )


@contextmanager
def counter_trigger_disabled(cur: PgCursor) -> Iterator[None]:
    """Run the block with the counter trigger off; the seeder writes the counters itself.

    ALTER TABLE is transactional: when the block fails, the caller's rollback re-enables the
    trigger, and other sessions never see it disabled.
    """
    set_counter_trigger(cur, enabled=False)
    yield
    set_counter_trigger(cur, enabled=True)


def truncate_seeded_tables(cur: PgCursor) -> None:
    """Empty complaints, profiles and the score log, and restart their identities."""
    tables = sql.SQL(", ").join(table(name) for name in SEEDED_TABLES)
    cur.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(tables))


def lock_for_seeding(cur: PgCursor) -> None:
    """Keep other writers out of the seeded tables until commit; readers are not blocked."""
    tables = sql.SQL(", ").join(table(name) for name in SEEDED_TABLES)
    try:
        cur.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(tables))
    except (psycopg2.errors.InvalidSchemaName, psycopg2.errors.UndefinedTable) as exc:
        raise PgchurnError("schema churn is not installed; fix: run `pgchurn migrate`") from exc


def existing_customers(cur: PgCursor) -> tuple[int, int]:
    """How many profiles exist, and the highest customer_id (0 when none)."""
    cur.execute("SELECT count(*), coalesce(max(customer_id), 0) FROM churn.customer_profile")
    count, highest = cur.fetchone()
    return int(count), int(highest)


def first_free_id(cur: PgCursor, *, replace: bool, append: bool) -> int:
    """Lock the tables, empty them for --replace, and return the first customer_id to use.

    Existing customers are refused unless `replace` or `append` says what to do with them.
    """
    lock_for_seeding(cur)
    count, highest = existing_customers(cur)
    if replace:
        truncate_seeded_tables(cur)
        return 1
    if count == 0 or append:
        return highest + 1
    raise PgchurnError(
        f"churn.customer_profile already holds {count:,} customers; fix: add --replace to delete "
        f"them with their complaints and score log, or --append to add customers after id {highest}"
    )


def analyze(conn: PgConnection) -> None:
    """ANALYZE the seeded tables so the planner knows their new sizes."""
    with conn, conn.cursor() as cur:
        for name in SEEDED_TABLES:
            cur.execute(sql.SQL("ANALYZE {}").format(table(name)))


Progress = Callable[[Iterator[Chunk], int], Iterable[Chunk]]


def no_progress(chunks: Iterator[Chunk], total: int) -> Iterable[Chunk]:
    """The default progress reporter: none."""
    return chunks


def load(cur: PgCursor, chunks: Iterable[Chunk]) -> tuple[int, int]:
    """COPY every chunk with the counter trigger off; returns (churned customers, complaints)."""
    churned = complaints = 0
    with counter_trigger_disabled(cur):
        for chunk in chunks:
            copy_chunk(cur, chunk)
            churned += int(chunk.customers["churned_at"].notna().sum())
            complaints += len(chunk.complaints)
    return churned, complaints


def seed_database(
    url: str,
    spec: SeedSpec,
    *,
    replace: bool = False,
    append: bool = False,
    progress: Progress = no_progress,
) -> SeedResult:
    """Load `spec` into the database in one transaction (all rows or none), then ANALYZE.

    spec.first_id is replaced by 1 (empty table or --replace) or by the highest id + 1 (append).
    `progress` wraps the stream of chunks, for example with rich.progress.track.
    """
    started = time.perf_counter()
    with closing(psycopg2.connect(url)) as conn:
        with conn, conn.cursor() as cur:
            first = first_free_id(cur, replace=replace, append=append)
            spec = dataclasses.replace(spec, first_id=first)
            churned, complaints = load(cur, progress(generate(spec), spec.chunks()))
        analyze(conn)
    seconds = time.perf_counter() - started
    return SeedResult(first, spec.customers, churned, complaints, seconds)


# ---------------------------------------------------------------------------- command
def parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime:
    """--now as an aware UTC datetime in whole seconds; naive input means UTC; default now."""
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time; for example 2026-11-01T00:00:00Z"
        ) from None
    aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


def summary(result: SeedResult) -> str:
    """The closing line: what was loaded, and how fast."""
    r = result
    rows = r.customers + r.complaints
    return (
        f"seeded customers {r.first_id:,}..{r.first_id + r.customers - 1:,} "
        f"({r.churned / r.customers:.1%} churned) and {r.complaints:,} complaints "
        f"in {r.seconds:.1f} s: {r.customers / r.seconds:,.0f} customers/s, "
        f"{rows / r.seconds:,.0f} rows/s"
    )


def progress_bar(chunks: Iterator[Chunk], total: int) -> Iterable[Chunk]:
    """A progress bar over the chunks on stderr; it appears with the first chunk."""
    return track(chunks, total=total, description="seeding", console=Console(stderr=True))


@click.command("seed")
@click.option(
    "--customers",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Number of customers to generate (churned ones included).",
)
@click.option(
    "--complaints-per-customer",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Average complaints per customer, disputes included.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random seed: the same seed, --now and options give the same rows.",
)
@click.option(
    "--now",
    metavar="TIME",
    callback=parse_now,
    help="Reference time, ISO 8601 (UTC if no zone) [default: the current time]. "
    "Histories end here; pin it to reproduce the rows byte for byte.",
)
@click.option(
    "--population",
    type=click.Choice(sorted(POPULATIONS)),
    default="baseline",
    show_default=True,
    help="shifted: more fiber-optic, more month-to-month, "
    "electronic checks and higher prices (for drift demos).",
)
@click.option(
    "--replace", is_flag=True, help="Empty churn.complaint, customer_profile and score_log first."
)
@click.option(
    "--append", is_flag=True, help="Add customers after the highest existing customer_id."
)
@click.pass_obj
def seed_command(obj: object, customers: int, complaints_per_customer: float, seed: int,
                 now: datetime, population: str, replace: bool, append: bool) -> None:  # fmt: skip
    """Generate demo customers, complaints and churn, and load them with COPY.

    Customers get ids 1..N in an empty database. When customers exist the command
    refuses, unless --replace (start over) or --append (continue after the highest
    id) says what to do. Complaint counters on the profiles are exact. docs/data.md
    describes the churn mechanism.

    \b
    Examples:
      pgchurn seed --customers 100000 --seed 7
      pgchurn seed --customers 1000000 --replace --now 2026-11-01T00:00:00Z
      pgchurn seed --customers 20000 --population shifted --append
    """
    if replace and append:
        raise click.UsageError("--replace and --append exclude each other; choose one")
    choice = choose_database(getattr(obj, "explicit_url", None))
    click.echo(f"pgchurn: {choice.describe()}", err=True)
    spec = SeedSpec(customers, complaints_per_customer, seed, now, POPULATIONS[population])
    result = seed_database(choice.url, spec, replace=replace, append=append, progress=progress_bar)
    click.echo(summary(result))
