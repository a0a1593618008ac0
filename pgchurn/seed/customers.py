"""Customer attributes: household, products, contract, payment and price of a population."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from pgchurn.seed.mechanism import (
    CONTRACTS,
    FIBER,
    HISTORY_MONTHS,
    INTERNET,
    MONTH_DAYS,
    MTM,
    NO_INTERNET,
    PAYMENTS,
    TWO_YEAR,
    BoolArray,
    FloatArray,
    IntArray,
    Population,
    sigmoid,
)

COHORT_LIFT_PER_YEAR = 0.35


# ---------------------------------------------------------------------------- small helpers
def pick(rng: np.random.Generator, probs: npt.ArrayLike) -> IntArray:
    """One category code per row of an (n, k) array of probabilities (inverse CDF)."""
    cumulative = np.cumsum(np.asarray(probs, dtype=np.float64), axis=1)
    u = rng.random(len(cumulative))[:, None] * cumulative[:, -1:]
    codes = np.minimum((u >= cumulative).sum(axis=1), cumulative.shape[1] - 1)
    return np.asarray(codes, dtype=np.int64)


def pick_n(rng: np.random.Generator, n: int, probs: tuple[float, ...]) -> IntArray:
    """Draw n category codes with the same probabilities."""
    return pick(rng, np.broadcast_to(np.asarray(probs), (n, len(probs))))


def categorical(codes: IntArray, categories: tuple[str, ...]) -> pd.Categorical:
    """A pandas Categorical with fixed categories (code -1 is NULL)."""
    return pd.Categorical.from_codes(codes, categories=list(categories))


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
