"""The uplift of one complaint: what the model predicts, what the holdout shows.

Predicted: for every holdout customer, the model's score with one more complaint of a severity
filed at the cutoff, minus its score without; averaged over the customers and over the
severities of a band. The features change as churn.feature_frame would compute them with that
complaint (`COMPLAINT_FEATURE_UPDATES`, one rule per derived feature).

Observed: in the holdout, customers whose only complaint in the 90 days before the cutoff was
filed in its last OBSERVED_WINDOW_DAYS days with a severity in the band ("treated"), against
customers with no complaint in those 90 days, made comparable by a logistic regression of the
label on the model's inputs that are not complaint features plus one indicator per band: the
observed uplift of a band is the mean, over its treated customers, of that regression's
probability with the band's indicator on minus off. It is an association, not an effect.

Tolerance: on the demo data, where the generator gives the true uplift (`pgchurn train
--oracle`, the oracle's probability with the complaint minus without, same customers and
severities), a band's predicted uplift is within max(TOLERANCE_ABS, TOLERANCE_REL x true) of
it. The observed uplift is held to none: its complaints are on average half a window old, and
its customers complain more than the average (docs/training.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from . import dataset

BANDS: dict[str, tuple[int, ...]] = {"1-2": (1, 2), "3": (3,), "4-5": (4, 5)}
OBSERVED_WINDOW_DAYS = 30
SEVERE = 4  # feature_frame: severity >= 4 is severe
TOLERANCE_ABS, TOLERANCE_REL = 0.01, 0.4

Update = Callable[[pd.Series, int], pd.Series]


def _plus(amount: Callable[[int], float]) -> Update:
    return lambda column, severity: column.fillna(0) + amount(severity)


# How one more complaint of a severity, filed at the cutoff, changes each derived feature.
# A complaint feature added to churn.feature_frame needs its rule here: `not_updated` lists
# the inputs that look like complaint features and have none.
COMPLAINT_FEATURE_UPDATES: dict[str, Update] = {
    "complaints_total": _plus(lambda s: 1),
    "complaints_30d": _plus(lambda s: 1),
    "complaints_90d": _plus(lambda s: 1),
    "severe_complaints_90d": _plus(lambda s: float(s >= SEVERE)),
    "days_since_last_complaint": lambda column, s: pd.Series(0.0, index=column.index),
    "max_severity_30d": lambda column, s: column.fillna(s).clip(lower=s),
    "severity_sum_90d": _plus(lambda s: s),
}


def within_tolerance(predicted: float, true: float) -> bool:
    """Whether a predicted uplift is within the documented tolerance of the true one."""
    return abs(predicted - true) <= max(TOLERANCE_ABS, TOLERANCE_REL * abs(true))


def with_complaint(frame: pd.DataFrame, severity: int) -> pd.DataFrame:
    """The rows as if each customer had filed one more complaint of `severity` at the cutoff."""
    out = frame.copy()
    for name, update in COMPLAINT_FEATURE_UPDATES.items():
        if name in out.columns:
            out[name] = update(out[name].astype(float), severity)
    return out


def is_complaint_feature(name: str) -> bool:
    """Whether an input is derived from complaints (and so must change with one)."""
    return name in COMPLAINT_FEATURE_UPDATES or "complaint" in name or "severity" in name


def not_updated(names: list[str]) -> list[str]:
    """Inputs that look like complaint features but have no rule in COMPLAINT_FEATURE_UPDATES."""
    return [n for n in names if is_complaint_feature(n) and n not in COMPLAINT_FEATURE_UPDATES]


def predicted(pipeline: Any, test: pd.DataFrame, names: list[str]) -> dict[str, dict[str, Any]]:
    """Per band: mean and median score change, and the share of scores that went down."""
    base = pipeline.predict_proba(test[names])[:, 1]
    out = {}
    for band, severities in BANDS.items():
        diffs = np.concatenate(
            [
                pipeline.predict_proba(with_complaint(test[names], s))[:, 1] - base
                for s in severities
            ]
        )
        out[band] = {
            "predicted": float(diffs.mean()),
            "predicted_median": float(np.median(diffs)),
            "lowered_share": float((diffs < 0).mean()),
        }
    return out


RECENT = """
SELECT customer_id, count(*) AS complaints_90d,
       (array_agg(severity ORDER BY created_at DESC))[1] AS severity,
       max(created_at) AS last_at
  FROM churn.complaint
 WHERE created_at > %(cutoff)s - interval '90 days' AND created_at <= %(cutoff)s
 GROUP BY customer_id
"""


def recent_complaints(url: str, cutoff: datetime) -> pd.DataFrame:
    """Per customer with complaints in the 90 days up to the cutoff: count, last severity, when."""
    from pgchurn.db import connect

    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(RECENT, {"cutoff": cutoff})
        rows = cur.fetchall()
    frame = pd.DataFrame(rows, columns=[dataset.KEY, "complaints_90d", "severity", "last_at"])
    return frame.set_index(dataset.KEY)


def treatment(test: pd.DataFrame, recent: pd.DataFrame, cutoff: datetime) -> pd.Series:
    """The band of each holdout row's one recent complaint, 'none', or NaN (not compared)."""
    r = recent.reindex(test[dataset.KEY].to_numpy())
    one_recent = (r["complaints_90d"] == 1) & (
        pd.to_datetime(r["last_at"], utc=True) > cutoff - timedelta(days=OBSERVED_WINDOW_DAYS)
    )
    band = pd.Series(np.nan, index=r.index, dtype=object)
    for name, severities in BANDS.items():
        band[one_recent & r["severity"].isin(severities)] = name
    band[r["complaints_90d"].isna()] = "none"
    return pd.Series(band.to_numpy(), index=test.index)


def observed(
    test: pd.DataFrame, band: pd.Series, numeric: list[str], categorical: list[str]
) -> dict[str, dict[str, Any]]:
    """Per band: regression-adjusted churn difference of the treated against 'none' (module)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rows = test[band.notna()]
    band = band[band.notna()]
    indicators = [f"band {b}" for b in BANDS]
    num = [n for n in numeric if not is_complaint_feature(n)]
    cat = [n for n in categorical if not is_complaint_feature(n)]
    x = rows[num + cat].copy()
    x[num] = x[num].astype(float).fillna(x[num].astype(float).median())
    x[cat] = x[cat].astype(str)
    for b, col in zip(BANDS, indicators, strict=True):
        x[col] = (band == b).astype(float).to_numpy()
    prep = ColumnTransformer([("num", StandardScaler(), num + indicators),
                              ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])  # fmt: skip
    model = make_pipeline(prep, LogisticRegression(max_iter=2000))
    model.fit(x, rows[dataset.LABEL])
    control = rows[dataset.LABEL][band.to_numpy() == "none"]
    out = {}
    for b, col in zip(BANDS, indicators, strict=True):
        mask = band.to_numpy() == b
        entry: dict[str, Any] = {"observed": None, "treated": int(mask.sum()),
                                 "control": int(len(control))}  # fmt: skip
        if mask.any():
            off = x[mask].copy()
            off[col] = 0.0
            lift = model.predict_proba(x[mask])[:, 1] - model.predict_proba(off)[:, 1]
            entry["observed"] = float(lift.mean())
            entry["observed_raw"] = float(rows[dataset.LABEL][mask].mean() - control.mean())
        out[b] = entry
    return out


def report(
    pipeline: Any,
    test: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    *,
    url: str | None = None,
    cutoff: datetime | None = None,
) -> list[dict[str, Any]]:
    """One row per band: predicted uplift, and observed when the complaints can be read."""
    pred = predicted(pipeline, test, numeric + categorical)
    seen: dict[str, dict[str, Any]] = {}
    if url is not None and cutoff is not None:
        band = treatment(test, recent_complaints(url, cutoff), cutoff)
        seen = observed(test, band, numeric, categorical)
    return [{"band": b, **pred[b], **seen.get(b, {})} for b in BANDS]
