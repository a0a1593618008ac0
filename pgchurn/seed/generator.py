"""Chunks of generated rows: complaints, churn and the DataFrames with the database's columns.

`generate_chunk` is pure and deterministic: a SeedSpec and a chunk index give the same rows.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from pgchurn.seed.customers import categorical, draw_attributes, pick
from pgchurn.seed.mechanism import (
    BASELINE,
    DAY,
    FIBER,
    INTERNET,
    BoolArray,
    FloatArray,
    IntArray,
    Lives,
    Population,
    churn_days,
    codes_of,
    complaint_rates,
    draw_age_days,
    draw_complaint_times,
    draw_lives,
    draw_severity,
)

CHUNK_SIZE = 100_000
DISPUTE_BURST = 6.0
DISPUTE_DAYS = 30.0
PILOT_CUSTOMERS = 50_000
PILOT_STEPS = 4
PILOT_STREAM = 2**32  # chunk streams use spawn keys 0, 1, 2, ...
NEVER = np.iinfo(np.int64).max

CATEGORIES = ("billing", "network", "service", "device", "contract", "other")
CHANNELS = ("phone", "email", "chat", "store", "social")
DISPUTE_TEXT = "dispute of the final bill after cancellation"

PROFILE_COLUMNS = (
    "customer_id",
    "customer_since",
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
    "updated_at",
)
COMPLAINT_COLUMNS = ("customer_id", "created_at", "category", "severity", "channel", "description")


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
