"""Point-in-time training data: features as they were at a cutoff, labels from after it.

For a cutoff T and a horizon H, a row is a customer who was a customer at T (signed up on or
before T, not churned by T). Its features are `churn.feature_frame(T)`: the same SQL that
scores live customers, evaluated as of T, so complaints after T (including those filed after
the customer churned) are never counted. Its label is 1 when the customer churned in (T, T+H].
Only cutoffs whose whole horizon lies in the past are used, so every label is known.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from psycopg2 import sql

from pgchurn.db import connect

LABEL = "churned"
CUTOFF = "cutoff"
KEY = "customer_id"
# Not used as model inputs: total_charges is only known as of today, not as of a cutoff.
EXCLUDED = {KEY, CUTOFF, LABEL, "total_charges"}

SNAPSHOT = """
SELECT f.*, {cutoff} AS cutoff,
       (p.churned_at IS NOT NULL AND p.churned_at <= {cutoff} + {horizon})::int AS churned
  FROM churn.feature_frame({cutoff}) f
  JOIN churn.customer_profile p ON p.customer_id = f.customer_id
 WHERE p.churned_at IS NULL OR (p.churned_at > {cutoff} AND isfinite(p.churned_at))
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
        raise ValueError("the database holds no complaints or churn outcomes; seed it first")
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


def snapshot_from_db(url: str, cutoff: datetime, horizon: timedelta) -> pd.DataFrame:
    """One cutoff's rows, read through COPY."""
    query = sql.SQL(SNAPSHOT).format(
        cutoff=sql.Literal(cutoff) + sql.SQL("::timestamptz"),
        horizon=sql.Literal(horizon) + sql.SQL("::interval"),
    )
    with connect(url) as conn, conn.cursor() as cur:
        copy = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(query)
        buf = io.StringIO()
        cur.copy_expert(copy.as_string(conn), buf)
    buf.seek(0)
    frame = pd.read_csv(buf)
    frame[CUTOFF] = pd.to_datetime(frame[CUTOFF], utc=True)
    return frame


def load_from_db(url: str, plan: Plan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) frames for a plan."""
    train = pd.concat(
        [snapshot_from_db(url, c, plan.horizon) for c in plan.train_cutoffs], ignore_index=True
    )
    test = snapshot_from_db(url, plan.test_cutoff, plan.horizon)
    return train, test


def load_csv(path: Path, plan_test_fraction: float = 0.25) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) from a CSV with the columns of churn.feature_frame plus cutoff and churned.

    The latest cutoffs, about `plan_test_fraction` of the rows, are held out.
    """
    frame = pd.read_csv(path)
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


def feature_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(numeric, categorical) model inputs: every column but the key, cutoff, label, exclusions."""
    inputs = frame[[c for c in frame.columns if c not in EXCLUDED]]
    categorical = list(inputs.select_dtypes(exclude="number").columns)
    numeric = [c for c in inputs.columns if c not in categorical]
    return numeric, categorical
