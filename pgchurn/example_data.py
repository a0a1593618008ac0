"""`pgchurn example-data`: a fitness club's members, nothing like the demo's telecom customers.

The second dataset of docs/your-data.md and tests/db/test_your_data.py. Its attributes are
not pgchurn's: the user adds them with `attributes.sql`, loads `customers.csv` and
`complaints.csv` with COPY, and trains with `pgchurn train --snapshot`. The labels are
snapshot-style, like the public Telco dataset: the churners are the members who left in the
last 30 days, and nobody left before that.

The churn mechanism is known: `churn_probability` is the TRUE probability that a member left
in the last 30 days, a logistic function of the features pgchurn computes for the member
(`tenure_months`, the complaint counters of `churn.feature_frame`, and the attributes) as of
the reference time. Every complaint coefficient is positive, so a complaint never lowers it.
Complaints themselves come from a latent unhappiness the data never shows, so they carry
information the attributes do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
import numpy as np
import numpy.typing as npt
import pandas as pd

from pgchurn.seed.command import parse_now
from pgchurn.seed.generator import CATEGORIES, CHANNELS, whole_months

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DAY = 86_400
CHURN_WINDOW_DAYS = 30  # churners left within this many days before the reference time
COMPLAINT_YEARS = 1.0  # complaints are generated over the last year of each membership

PLANS = ("Basic", "Off Peak", "Gold Plus", "Family Share")
CLUBS = ("Downtown", "Riverside", "North Park", "Airport")
NOTES = (
    "prefers morning classes",
    "asked about parking, twice",
    "injured knee - no squats",
    "referred by a friend",
)
ATTRIBUTES = (
    "membership_plan",
    "home_club",
    "monthly_fee",
    "visits_last_30d",
    "satisfaction",
    "auto_renew",
    "member_note",
)
CUSTOMER_COLUMNS = ("customer_id", "customer_since", "churned_at", *ATTRIBUTES)
COMPLAINT_COLUMNS = ("customer_id", "created_at", "category", "severity", "channel")

ATTRIBUTES_SQL = """\
-- The fitness club's attributes, added by the DBA (the owner of schema churn).
ALTER TABLE churn.customer_profile ADD COLUMN membership_plan text NOT NULL
    CONSTRAINT membership_plan_is_known
    CHECK (membership_plan IN ('Basic', 'Off Peak', 'Gold Plus', 'Family Share'));
ALTER TABLE churn.customer_profile ADD COLUMN home_club text NOT NULL
    CONSTRAINT home_club_is_known
    CHECK (home_club IN ('Downtown', 'Riverside', 'North Park', 'Airport'));
ALTER TABLE churn.customer_profile ADD COLUMN monthly_fee numeric(6, 2) NOT NULL
    CONSTRAINT monthly_fee_not_negative CHECK (monthly_fee >= 0);
ALTER TABLE churn.customer_profile ADD COLUMN visits_last_30d integer NOT NULL DEFAULT 0
    CONSTRAINT visits_last_30d_not_negative CHECK (visits_last_30d >= 0);
-- NULL: the member never answered the satisfaction survey.
ALTER TABLE churn.customer_profile ADD COLUMN satisfaction double precision
    CONSTRAINT satisfaction_from_0_to_10 CHECK (satisfaction BETWEEN 0 AND 10);
ALTER TABLE churn.customer_profile ADD COLUMN auto_renew boolean NOT NULL DEFAULT true;
-- Free text from the front desk: stored, but never a model input.
ALTER TABLE churn.customer_profile ADD COLUMN member_note text;
INSERT INTO churn.ignored_attribute (column_name, reason)
VALUES ('member_note', 'free text from the front desk');
"""


# ---------------------------------------------------------------------------- the oracle
@dataclass(frozen=True)
class Oracle:
    """Coefficients of the true churn log-odds (churned in the last 30 days)."""

    intercept: float = -0.35
    plan: tuple[float, ...] = (0.0, 0.35, -0.5, -0.8)  # in the order of PLANS
    club: tuple[float, ...] = (0.0, 0.15, -0.1, 0.45)  # in the order of CLUBS
    fee_per_unit: float = 0.025  # per currency unit above 40 a month
    visit: float = -0.12
    satisfaction: float = -0.25  # per point above 7
    no_survey: float = 0.4  # the survey was never answered (satisfaction is NULL)
    auto_renew: float = -0.9
    tenure_month: float = -0.03
    complaint_30d: float = 0.5
    complaint_90d: float = 0.3  # a complaint of the last 30 days counts in both windows
    severe_90d: float = 0.6  # severity 4 or 5 in the last 90 days


ORACLE = Oracle()
COMPLAINT_TERMS = ("complaints_30d", "complaints_90d", "severe_complaints_90d")


def _codes(values: pd.Series, categories: tuple[str, ...]) -> IntArray:
    known = values.isin(categories)
    if not known.all():
        unknown = sorted(set(values[~known].astype(str)))
        raise ValueError(f"unknown values {unknown}; expected one of {list(categories)}")
    return np.asarray(pd.Categorical(values, categories=list(categories)).codes, dtype=np.int64)


def churn_log_odds(features: pd.DataFrame, o: Oracle = ORACLE) -> FloatArray:
    """The true log-odds that a member left in the last 30 days, from its features.

    `features` has the columns of `churn.feature_frame` (tenure_months, complaints_30d,
    complaints_90d, severe_complaints_90d) and the attributes; extra columns are ignored.
    """
    f = features
    satisfaction = pd.to_numeric(f["satisfaction"]).to_numpy(dtype=np.float64)
    answered = ~np.isnan(satisfaction)
    terms = (
        np.asarray(o.plan)[_codes(f["membership_plan"], PLANS)]
        + np.asarray(o.club)[_codes(f["home_club"], CLUBS)]
        + o.fee_per_unit * (pd.to_numeric(f["monthly_fee"]).to_numpy(np.float64) - 40.0)
        + o.visit * f["visits_last_30d"].to_numpy(np.float64)
        + np.where(answered, o.satisfaction * (np.nan_to_num(satisfaction) - 7.0), o.no_survey)
        + o.auto_renew * f["auto_renew"].astype(bool).to_numpy(np.float64)
        + o.tenure_month * f["tenure_months"].to_numpy(np.float64)
        + o.complaint_30d * f["complaints_30d"].to_numpy(np.float64)
        + o.complaint_90d * f["complaints_90d"].to_numpy(np.float64)
        + o.severe_90d * f["severe_complaints_90d"].to_numpy(np.float64)
    )
    return np.asarray(o.intercept + terms, dtype=np.float64)


def churn_probability(features: pd.DataFrame, o: Oracle = ORACLE) -> FloatArray:
    """The TRUE probability that each member left in the last 30 days (see churn_log_odds)."""
    return np.asarray(1.0 / (1.0 + np.exp(-churn_log_odds(features, o))), dtype=np.float64)


def complaint_features(
    customers: pd.DataFrame, complaints: pd.DataFrame, as_of: datetime
) -> pd.DataFrame:
    """tenure_months and the complaint features as of a time, defined as churn.feature_frame is.

    Only complaints at or before `as_of` count; the 30 and 90-day windows exclude their start;
    days_since_last_complaint is NaN for a member who never complained.
    """
    as_of_s = int(as_of.timestamp())
    created = complaints["created_at"].to_numpy("datetime64[s]").astype(np.int64)
    seen = complaints[created <= as_of_s]
    age_s = as_of_s - created[created <= as_of_s]
    counts = (
        pd.DataFrame(
            {
                "customer_id": seen["customer_id"].to_numpy(),
                "complaints_total": 1,
                "complaints_30d": (age_s < 30 * DAY).astype(int),
                "complaints_90d": (age_s < 90 * DAY).astype(int),
                "severe_complaints_90d": ((age_s < 90 * DAY) & (seen["severity"] >= 4)).astype(int),
                "severity_sum_90d": np.where(age_s < 90 * DAY, seen["severity"], 0).astype(int),
            }
        )
        .groupby("customer_id")
        .sum()
    )
    recent = seen[age_s < 30 * DAY]
    counts["max_severity_30d"] = recent.groupby("customer_id")["severity"].max()
    out = customers.join(counts, on="customer_id")
    for name in counts.columns:
        out[name] = out[name].fillna(0).astype(np.int64)
    youngest = pd.Series(age_s, index=seen.index).groupby(seen["customer_id"]).min()
    out["days_since_last_complaint"] = out["customer_id"].map(youngest / DAY).astype(float)
    since_s = customers["customer_since"].to_numpy("datetime64[s]").astype(np.int64)
    out["tenure_months"] = whole_months(since_s, np.full(len(out), as_of_s, dtype=np.int64))
    return out


# ---------------------------------------------------------------------------- members
def _pick(rng: np.random.Generator, n: int, probs: tuple[float, ...]) -> IntArray:
    return np.asarray(rng.choice(len(probs), size=n, p=probs), dtype=np.int64)


def draw_members(rng: np.random.Generator, n: int, now_s: int) -> pd.DataFrame:
    """Attributes and sign-up dates of n members (sign-up 45 days to 6 years ago)."""
    plan = _pick(rng, n, (0.45, 0.15, 0.25, 0.15))
    fee = np.round(np.array((29.9, 19.9, 59.9, 79.9))[plan] + rng.choice((0.0, 5.0, 10.0), n), 2)
    visits = rng.poisson(np.array((5.0, 4.0, 9.0, 7.0))[plan] * rng.gamma(2.0, 0.5, n))
    answered = rng.random(n) < 0.7
    satisfaction = np.where(answered, np.clip(np.round(rng.normal(7.0, 1.8, n), 1), 0, 10), np.nan)
    note = pd.Series(rng.choice(NOTES, n)).where(rng.random(n) < 0.1)  # NaN is NULL
    since_days = rng.integers(45, 6 * 365, n)
    return pd.DataFrame(
        {
            "customer_since": ((now_s // DAY - since_days) * DAY).astype("datetime64[s]"),
            "membership_plan": np.asarray(PLANS)[plan],
            "home_club": np.asarray(CLUBS)[_pick(rng, n, (0.4, 0.25, 0.2, 0.15))],
            "monthly_fee": fee,
            "visits_last_30d": visits.astype(np.int64),
            "satisfaction": satisfaction,
            "auto_renew": rng.random(n) < 0.6,
            "member_note": note,
        }
    )


def draw_complaints(
    rng: np.random.Generator, members: pd.DataFrame, now_s: int, per_member: float
) -> pd.DataFrame:
    """Complaints over each member's last year, more of them and harsher from unhappy members."""
    n = len(members)
    unhappy = rng.normal(0.0, 1.0, n)
    since_s = members["customer_since"].to_numpy("datetime64[s]").astype(np.int64)
    start_s = np.maximum(since_s, now_s - int(COMPLAINT_YEARS * 365 * DAY))
    weight = np.exp(0.8 * unhappy + 0.3 * (members["membership_plan"] == "Basic").to_numpy())
    counts = rng.poisson(per_member * weight / weight.mean() * (now_s - start_s) / (365 * DAY))
    owner = np.repeat(np.arange(n), counts)
    at_s = start_s[owner] + (rng.random(len(owner)) * (now_s - start_s[owner])).astype(np.int64)
    severity = 1 + rng.binomial(4, 1.0 / (1.0 + np.exp(0.6 - 0.7 * unhappy[owner])))
    category = _pick(rng, len(owner), (0.3, 0.05, 0.3, 0.2, 0.1, 0.05))  # in CATEGORIES' order
    channel = _pick(rng, len(owner), (0.3, 0.2, 0.15, 0.3, 0.05))  # in CHANNELS' order
    frame = pd.DataFrame(
        {
            "customer_id": owner,
            "created_at": at_s.astype("datetime64[s]"),
            "category": np.asarray(CATEGORIES)[category],
            "severity": severity.astype(np.int64),
            "channel": np.asarray(CHANNELS)[channel],
        }
    )
    return frame.sort_values(["customer_id", "created_at"], ignore_index=True)


def draw_churn(
    rng: np.random.Generator, probability: FloatArray, floor_s: IntArray, now_s: int
) -> npt.NDArray[np.datetime64]:
    """churned_at: for churners, a time in the last 30 days after their last complaint; else NaT.

    No complaint follows churn, so a churner's features as of now are those the oracle read.
    """
    churned = rng.random(len(probability)) < probability
    start = np.maximum(floor_s, now_s - CHURN_WINDOW_DAYS * DAY) + 1
    at_s = start + (rng.random(len(start)) * (now_s - start)).astype(np.int64)
    out: npt.NDArray[np.datetime64] = at_s.astype("datetime64[s]")
    out[~churned] = np.datetime64("NaT")
    return out


@dataclass(frozen=True)
class ExampleData:
    """The members, their complaints, and the true churn probability of each member."""

    customers: pd.DataFrame  # CUSTOMER_COLUMNS; times are naive UTC
    complaints: pd.DataFrame  # COMPLAINT_COLUMNS
    probability: FloatArray  # churn_probability of each row of customers, as of `now`
    now: datetime


def generate(customers: int, *, seed: int, now: datetime, per_member: float = 1.5) -> ExampleData:
    """Members 1..customers, their complaints and churn; the same arguments give the same rows."""
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, not {now.isoformat()}")
    rng = np.random.default_rng(seed)
    now_s = int(now.timestamp())
    members = draw_members(rng, customers, now_s)
    complaints = draw_complaints(rng, members, now_s, per_member)
    members.insert(0, "customer_id", np.arange(1, customers + 1, dtype=np.int64))
    complaints["customer_id"] += 1
    probability = churn_probability(complaint_features(members, complaints, now))
    last = complaints.groupby("customer_id")["created_at"].max()
    floor = members["customer_id"].map(last).fillna(members["customer_since"])
    floor_s = floor.to_numpy("datetime64[s]").astype(np.int64)
    members["churned_at"] = draw_churn(rng, probability, floor_s, now_s)
    return ExampleData(members[list(CUSTOMER_COLUMNS)], complaints, probability, now)


# ---------------------------------------------------------------------------- files
def write_files(data: ExampleData, out: Path) -> list[Path]:
    """customers.csv, complaints.csv (CSV with a header; empty is NULL) and attributes.sql."""
    out.mkdir(parents=True, exist_ok=True)
    customers = data.customers.assign(
        customer_since=data.customers["customer_since"].dt.strftime("%Y-%m-%d"),
        churned_at=data.customers["churned_at"].dt.strftime("%Y-%m-%d %H:%M:%S+00"),
        auto_renew=np.where(data.customers["auto_renew"], "true", "false"),
    )
    complaints = data.complaints.assign(
        created_at=data.complaints["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S+00")
    )
    paths = [out / "customers.csv", out / "complaints.csv", out / "attributes.sql"]
    customers.to_csv(paths[0], index=False)
    complaints.to_csv(paths[1], index=False)
    paths[2].write_text(ATTRIBUTES_SQL, encoding="utf-8")
    return paths


@click.command("example-data")
@click.option("--customers", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Number of members to generate (churned ones included).")  # fmt: skip
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Random seed: the same seed and --now give the same files.")  # fmt: skip
@click.option("--now", metavar="TIME", callback=parse_now,
              help="Reference time, ISO 8601 (UTC if no zone) [default: the current time]. "
              "Churners left in the 30 days before it.")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write the three files to (created if missing).")  # fmt: skip
def example_data_command(customers: int, seed: int, now: datetime, out: Path) -> None:
    """Write a fitness club's members, complaints and attributes, to try pgchurn on your data.

    Nothing like the demo: plans such as 'Gold Plus', home clubs, a fee, visits, a
    satisfaction score that is NULL when the survey was never answered, auto-renewal and a
    free-text note. Churn is snapshot-style: churners left in the last 30 days, and nobody
    earlier. It touches no database: docs/your-data.md loads the files step by step.

    \b
    Writes, in --out:
      customers.csv    customer_id, customer_since, churned_at and the attributes
      complaints.csv   customer_id, created_at, category, severity, channel
      attributes.sql   ALTER TABLE churn.customer_profile ADD COLUMN ... (run as the DBA)

    \b
    Example:
      pgchurn example-data --customers 5000 --seed 1 --out fitness/
    """
    data = generate(customers, seed=seed, now=now)
    paths = write_files(data, out)
    churned = int(data.customers["churned_at"].notna().sum())
    click.echo(
        f"wrote {customers:,} members ({churned:,} left in the last {CHURN_WINDOW_DAYS} days) "
        f"and {len(data.complaints):,} complaints: {', '.join(str(p) for p in paths)}"
    )
