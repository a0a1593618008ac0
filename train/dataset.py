"""Training data from the database: point-in-time (the default) or the current snapshot.

Point-in-time: for a cutoff T and a horizon H, a row is a customer who was a customer at T
(signed up on or before T, not churned by T). Its features are `churn.feature_frame(T)`: the
same SQL that scores live customers, evaluated as of T, so complaints after T (including those
filed after the customer churned) are never counted. Its label is 1 when the customer churned
in (T, T+H]. Only cutoffs whose whole horizon lies in the past are used, so every label is
known. The profile's attributes are as stored now: the database keeps no history of them.

Snapshot (`--snapshot`), for data where churners are marked but their history is not: one
reference time R and a period P. A row is a customer who had not churned by R - P; its
features are `churn.feature_frame(R)`, its label is 1 when it churned in (R - P, R].
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from psycopg2 import sql

from pgchurn.db import connect

from .features import (
    ATTRIBUTES,
    CUTOFF,
    DERIVED,
    KEY,
    LABEL,
    booleans_as_integers,
    choose_inputs,
    expand_attributes,
    shadowing_message,
)

__all__ = ["CUTOFF", "KEY", "LABEL"]

SNAPSHOT = """
SELECT f.*, {cutoff} AS cutoff,
       (p.churned_at IS NOT NULL AND p.churned_at <= {cutoff} + {horizon})::int AS churned
  FROM churn.feature_frame({cutoff}) f
  JOIN churn.customer_profile p ON p.customer_id = f.customer_id
 WHERE p.churned_at IS NULL OR (p.churned_at > {cutoff} AND isfinite(p.churned_at))
"""
CURRENT_SNAPSHOT = """
SELECT f.*, {reference} AS cutoff,
       (p.churned_at IS NOT NULL AND p.churned_at <= {reference})::int AS churned
  FROM churn.feature_frame({reference}) f
  JOIN churn.customer_profile p ON p.customer_id = f.customer_id
 WHERE p.churned_at IS NULL OR (p.churned_at > {reference} - {period} AND isfinite(p.churned_at))
"""
SHADOWING_COLUMNS = """
SELECT column_name FROM information_schema.columns
 WHERE table_schema = 'churn' AND table_name = 'customer_profile' AND column_name = ANY(%s)
 ORDER BY ordinal_position
"""
# Profile columns that are not model inputs, with the reason: listed in churn.ignored_attribute,
# or of a type that is not an input. pgchurn's own columns are left out of the list.
NOT_INPUT_COLUMNS = """
SELECT coalesce(jsonb_object_agg(column_name, not_an_input_because ORDER BY position), '{}')
  FROM churn.profile_attribute
 WHERE not_an_input_because IS NOT NULL
   AND column_name NOT IN ('customer_id', 'customer_since', 'churned_at', 'updated_at')
"""
CHURN_DATES = """
SELECT count(*), min(churned_at), max(churned_at) FROM churn.customer_profile
 WHERE churned_at IS NOT NULL AND isfinite(churned_at)
"""
# Events from later than the clock allows (refused since revision 0010, but possibly stored
# before), or at infinity, must not become the reference: every label would then be 0.
PLAUSIBLE = "isfinite({c}) AND {c} <= now() + interval '5 minutes'"
LATEST_EVENT = f"""
SELECT greatest((SELECT max(created_at) FROM churn.complaint
                  WHERE {PLAUSIBLE.format(c="created_at")}),
                (SELECT max(churned_at) FROM churn.customer_profile
                  WHERE {PLAUSIBLE.format(c="churned_at")}))
"""
# Stored rows that training leaves out, by reason: recorded in the training summary.
UNUSABLE_ROWS = f"""
SELECT jsonb_strip_nulls(jsonb_build_object(
  'profiles_with_customer_since_not_finite',
      nullif((SELECT count(*) FROM churn.customer_profile WHERE NOT isfinite(customer_since)), 0),
  'profiles_with_churned_at_implausible',
      nullif((SELECT count(*) FROM churn.customer_profile
               WHERE churned_at IS NOT NULL AND NOT ({PLAUSIBLE.format(c="churned_at")})), 0),
  'complaints_with_created_at_implausible',
      nullif((SELECT count(*) FROM churn.complaint
               WHERE NOT ({PLAUSIBLE.format(c="created_at")})), 0)))
"""


@dataclass(frozen=True)
class Plan:
    """Which cutoffs to train and test on."""

    horizon: timedelta
    test_cutoff: datetime
    train_cutoffs: tuple[datetime, ...]

    def describe(self) -> dict[str, object]:
        """JSON-ready summary for the model's training_summary."""
        return {
            "horizon_days": self.horizon.days,
            "test_cutoff": self.test_cutoff.isoformat(),
            "train_cutoffs": [c.isoformat() for c in self.train_cutoffs],
        }


def plan_cutoffs(
    reference: datetime, *, horizon_days: int, train_snapshots: int, spacing_days: int
) -> Plan:
    """Test at reference - H; train at earlier cutoffs whose labels end before the test cutoff."""
    horizon = timedelta(days=horizon_days)
    test_cutoff = reference - horizon
    last_train = test_cutoff - horizon
    train = tuple(last_train - timedelta(days=spacing_days * k) for k in range(train_snapshots))
    return Plan(horizon=horizon, test_cutoff=test_cutoff, train_cutoffs=tuple(sorted(train)))


def latest_event(url: str) -> datetime:
    """The newest complaint or churn time in the database: the reference for cutoffs."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(LATEST_EVENT)
        (latest,) = cur.fetchone()
    if latest is None:
        raise ValueError(
            "the database holds no complaint and no churned_at, so nothing to train on and no "
            "reference time: load churn outcomes into churn.customer_profile.churned_at"
        )
    return latest  # type: ignore[no-any-return]


def unusable_rows(url: str) -> dict[str, int]:
    """Stored rows that no training can use, counted by reason (empty when there are none)."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(UNUSABLE_ROWS)
        (counts,) = cur.fetchone()
    return dict(counts)


def drop_non_finite(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows without an infinite number, and how many were dropped.

    NULL and NaN are fine: the pipeline imputes them as missing.
    """
    numbers = frame.select_dtypes(include="number")
    bad = numbers.isin([np.inf, -np.inf]).any(axis=1)
    return frame[~bad], int(bad.sum())


def read_frame(url: str, query: sql.Composable) -> pd.DataFrame:
    """The rows of a feature_frame query, read through COPY, attributes expanded to columns."""
    with connect(url) as conn, conn.cursor() as cur:
        copy = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(query)
        buf = io.StringIO()
        cur.copy_expert(copy.as_string(conn), buf)
    buf.seek(0)
    frame = expand_attributes(pd.read_csv(buf, dtype={"attributes": "str"}))
    frame[CUTOFF] = pd.to_datetime(frame[CUTOFF], utc=True)
    return frame


def snapshot_from_db(url: str, cutoff: datetime, horizon: timedelta) -> pd.DataFrame:
    """One cutoff's rows: features as of the cutoff, label churned within the horizon after it."""
    query = sql.SQL(SNAPSHOT).format(
        cutoff=sql.Literal(cutoff) + sql.SQL("::timestamptz"),
        horizon=sql.Literal(horizon) + sql.SQL("::interval"),
    )
    return read_frame(url, query)


def current_snapshot_from_db(url: str, reference: datetime, period: timedelta) -> pd.DataFrame:
    """Features as of `reference`; label churned in (reference - period, reference].

    Rows are the customers who had not churned by reference - period.
    """
    query = sql.SQL(CURRENT_SNAPSHOT).format(
        reference=sql.Literal(reference) + sql.SQL("::timestamptz"),
        period=sql.Literal(period) + sql.SQL("::interval"),
    )
    return read_frame(url, query)


def split_holdout(
    frame: pd.DataFrame, fraction: float = 0.25, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): a random `fraction` held out, stratified by the label, seeded.

    The caller makes sure both labels occur at least twice.
    """
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        frame, test_size=fraction, stratify=frame[LABEL], random_state=seed
    )
    return train, test


def load_from_db(url: str, plan: Plan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) frames for a plan."""
    train = pd.concat(
        [snapshot_from_db(url, c, plan.horizon) for c in plan.train_cutoffs], ignore_index=True
    )
    test = snapshot_from_db(url, plan.test_cutoff, plan.horizon)
    return train, test


def refuse_shadowing_columns(url: str) -> None:
    """Refuse a profile column named like a derived feature: it would silently be ignored."""
    names = [*DERIVED, ATTRIBUTES, CUTOFF, LABEL]
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(SHADOWING_COLUMNS, (names,))
        row = cur.fetchone()
    if row is not None:
        raise ValueError(shadowing_message(row[0]))


def ignored_attributes(url: str) -> dict[str, str]:
    """Profile columns feature_frame leaves out (churn.ignored_attribute, types), with why."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(NOT_INPUT_COLUMNS)
        (ignored,) = cur.fetchone()
    return dict(ignored)


def churn_dates(url: str) -> dict[str, Any]:
    """How many profiles have a churned_at, and the first and last one."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(CHURN_DATES)
        count, first, last = cur.fetchone()
    if not count:
        return {"count": 0}
    return {"count": int(count), "first": first.isoformat(), "last": last.isoformat()}


def load_csv(path: Path, plan_test_fraction: float = 0.25) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) from a CSV with feature columns plus cutoff and churned.

    The feature columns are those of churn.feature_frame, with the attributes either as one
    JSON column `attributes` or as one column per attribute. The latest cutoffs, about
    `plan_test_fraction` of the rows, are held out.
    """
    frame = booleans_as_integers(expand_attributes(pd.read_csv(path)))
    missing = {CUTOFF, LABEL} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    frame[CUTOFF] = pd.to_datetime(frame[CUTOFF], utc=True)
    cutoffs = sorted(frame[CUTOFF].unique())
    if len(cutoffs) < 2:
        raise ValueError(f"{path}: needs at least two distinct cutoffs to hold out by time")
    n_test = max(1, round(len(cutoffs) * plan_test_fraction))
    test_from = cutoffs[-n_test]
    return frame[frame[CUTOFF] < test_from], frame[frame[CUTOFF] >= test_from]


def feature_columns(
    frame: pd.DataFrame, exclude: tuple[str, ...] = ()
) -> tuple[list[str], list[str]]:
    """(numeric, categorical) model inputs of a frame: see `features.choose_inputs`."""
    inputs = choose_inputs(frame, exclude)
    return inputs.numeric, inputs.categorical
