"""Synthetic telecom churn data for the PMML parity tests, deterministic by seed.

`telecom_churn` is clean training-like data. `messy_churn` adds missing values in every
column and categories that the training data never contained, to exercise the runtime's
missing/invalid value handling against scikit-learn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BINARY = [
    "senior_citizen",
    "has_partner",
    "has_dependents",
    "paperless_billing",
    "phone_service",
    "multiple_lines",
    "online_security",
    "tech_support",
    "streaming_tv",
]
NUMERIC = [
    "tenure_months",
    "monthly_charges",
    "total_charges",
    "complaints_total",
    "complaints_30d",
    "complaints_90d",
    "severe_complaints_90d",
    "days_since_last_complaint",
    *BINARY,
]
CATEGORIES = {
    "contract_type": ["month-to-month", "one-year", "two-year"],
    "payment_method": ["electronic-check", "mailed-check", "bank-transfer", "credit-card"],
    "internet_service": ["dsl", "fiber-optic", "none"],
}
CATEGORICAL = list(CATEGORIES)
FEATURES = NUMERIC + CATEGORICAL
TARGET = "churned"


def _categoricals(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    weights = {
        "contract_type": [0.55, 0.25, 0.20],
        "payment_method": [0.35, 0.20, 0.25, 0.20],
        "internet_service": [0.35, 0.45, 0.20],
    }
    return {k: rng.choice(v, size=n, p=weights[k]) for k, v in CATEGORIES.items()}


def _complaints(rng: np.random.Generator, n: int, tenure: np.ndarray) -> dict[str, np.ndarray]:
    total = rng.poisson(0.08 * np.sqrt(tenure + 1) * 2.0)
    c90 = rng.binomial(total, 0.3)
    c30 = rng.binomial(c90, 0.4)
    severe = rng.binomial(c90, 0.25)
    days = np.where(total > 0, rng.exponential(120.0, n).round(1), np.nan)
    days = np.where(c90 > 0, np.minimum(days, rng.uniform(0, 90, n).round(1)), days)
    days = np.where(c30 > 0, np.minimum(days, rng.uniform(0, 30, n).round(1)), days)
    return {
        "complaints_total": total,
        "complaints_30d": c30,
        "complaints_90d": c90,
        "severe_complaints_90d": severe,
        "days_since_last_complaint": days,
    }


def _label(rng: np.random.Generator, df: pd.DataFrame) -> np.ndarray:
    days = df["days_since_last_complaint"].fillna(365.0)
    z = (
        -2.2
        + 1.3 * (df["contract_type"] == "month-to-month")
        - 0.8 * (df["contract_type"] == "two-year")
        - 0.035 * df["tenure_months"]
        + 0.022 * (df["monthly_charges"] - 65.0)
        + 0.45 * df["complaints_30d"]
        + 0.25 * df["complaints_90d"]
        + 0.9 * df["severe_complaints_90d"]
        + 0.6 * np.exp(-days / 30.0)
        + 0.35 * (df["payment_method"] == "electronic-check")
        + 0.3 * (df["internet_service"] == "fiber-optic")
        + 0.25 * df["senior_citizen"]
        - 0.3 * df["tech_support"]
    )
    p = 1.0 / (1.0 + np.exp(-z.to_numpy(dtype=float)))
    return (rng.uniform(size=len(df)) < p).astype(int)


def telecom_churn(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Clean synthetic churn data: the model features plus the label `churned`."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(0, 73, n)
    monthly = rng.uniform(18.0, 120.0, n).round(2)
    total = (monthly * tenure * rng.uniform(0.9, 1.1, n)).round(2)
    total = np.where(rng.uniform(size=n) < 0.02, np.nan, total)
    data: dict[str, np.ndarray] = {"tenure_months": tenure, "monthly_charges": monthly}
    data["total_charges"] = total
    data.update(_complaints(rng, n, tenure))
    data.update({b: rng.integers(0, 2, n) for b in BINARY})
    data.update(_categoricals(rng, n))
    df = pd.DataFrame(data)[FEATURES]
    df[TARGET] = _label(rng, df)
    return df


def _blank(rng: np.random.Generator, df: pd.DataFrame, columns: list[str], rate: float) -> None:
    for col in columns:
        mask = rng.uniform(size=len(df)) < rate
        if col not in CATEGORIES:
            df[col] = df[col].astype(float)
        df.loc[mask, col] = np.nan


UNSEEN = {"contract_type": "quarterly", "payment_method": "crypto", "internet_service": "satellite"}


def messy_churn(n: int = 2000, seed: int = 1, *, unseen: bool = False) -> pd.DataFrame:
    """Churn data with missing values (NaN) in every column.

    With `unseen`, about 7% of each categorical column holds a category that no training
    data contains (`UNSEEN`): train on `unseen=False`, score on `unseen=True`.
    """
    rng = np.random.default_rng(seed)
    df = telecom_churn(n, seed)
    for col, value in UNSEEN.items():
        mask = rng.uniform(size=n) < (0.07 if unseen else 0.0)
        df.loc[mask, col] = value
    _blank(rng, df, NUMERIC, 0.06)
    _blank(rng, df, CATEGORICAL, 0.05)
    return df


def fill_missing(df: pd.DataFrame) -> pd.DataFrame:
    """The same rows with no missing values, for pipelines that cannot take NaN."""
    out = df.copy()
    for col in NUMERIC:
        out[col] = out[col].fillna(365.0 if col == "days_since_last_complaint" else 0.0)
    for col in CATEGORICAL:
        out[col] = out[col].fillna(CATEGORIES[col][0])
    return out
