"""explain() identities, and hypothesis property tests of odd inputs against scikit-learn."""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pgchurn.plpython.pmml import InvalidInput, load_compiled

from tests.datasets import CATEGORICAL, CATEGORIES, FEATURES, NUMERIC

from .test_parity import records

LINKED = {"logistic", "gbdt", "hgb", "hgb-categorical"}


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


@pytest.mark.parametrize("kind", ["logistic", "tree", "forest", "gbdt", "hgb", "hgb-categorical"])
def test_explain_contributions_add_up_to_the_margin(exported, kind):
    case = exported[(kind, True, "messy")]
    model = load_compiled(case.model.source)
    for row in records(case.score_rows.head(200)):
        score = model.score(row)
        base, contributions, margin = model.explain(row)
        assert {name for name, _ in contributions} <= set(FEATURES) | {"(other)"}
        assert base + sum(c for _, c in contributions) == pytest.approx(margin, abs=1e-9)
        expected = logistic(margin) if kind in LINKED else margin
        assert expected == pytest.approx(score, abs=1e-12)


def test_linear_contributions_are_the_exact_terms(exported):
    case = exported[("logistic", False, "telecom")]
    row = records(case.score_rows.head(1))[0]
    base, contributions, margin = case.model.explain(row)
    estimator = case.pipeline.named_steps["classifier"]
    transformed = case.pipeline.named_steps["columns"].transform(case.score_rows.head(1))
    terms = np.asarray(transformed).ravel() * estimator.coef_.ravel()
    assert base == pytest.approx(estimator.intercept_[0], abs=1e-12)
    by_name = dict(contributions)
    for index, name in enumerate(NUMERIC):
        assert by_name[name] == pytest.approx(terms[index], abs=1e-12)


NUMBERS = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.sampled_from([float("inf"), float("-inf"), 1e308, -1e308, 3.4e38, 1e-300, 0.0, -0.0]),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.integers(-(10**6), 10**6),
    st.integers(10**400, 10**401),
    st.decimals(-1000, 1000, allow_nan=False, allow_infinity=False, places=3),
)
# A small sample in the fast suite; `make fuzz` sets PGCHURN_FUZZ_EXAMPLES=2000 per pipeline
# (six pipelines, 12,000 examples).
FUZZ_EXAMPLES = int(os.environ.get("PGCHURN_FUZZ_EXAMPLES", "40"))

STRINGS = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.sampled_from(sorted({v for values in CATEGORIES.values() for v in values})),
    st.text(max_size=20).filter(lambda s: s != "NaN"),
    st.just("x" * 100_000),
)


@st.composite
def odd_records(draw: st.DrawFn) -> dict[str, object]:
    record: dict[str, object] = {name: draw(NUMBERS) for name in NUMERIC}
    record.update({name: draw(STRINGS) for name in CATEGORICAL})
    return record


def sklearn_view(record: dict[str, object]) -> pd.DataFrame:
    """How the same record reaches scikit-learn: numbers as float64, None/NaN as NaN."""
    row: dict[str, object] = {}
    for name in NUMERIC:
        value = record[name]
        try:
            row[name] = np.nan if value is None else float(value)  # type: ignore[arg-type]
        except OverflowError:
            row[name] = np.inf
    for name in CATEGORICAL:
        value = record[name]
        row[name] = np.nan if value is None or isinstance(value, float) else value
    frame = pd.DataFrame([row], columns=FEATURES)
    return frame.astype({name: "str" for name in CATEGORICAL})


def sklearn_or_none(pipeline, record: dict[str, object]) -> float | None:
    try:
        with np.errstate(all="ignore"):
            return float(pipeline.predict_proba(sklearn_view(record))[0, 1])
    except ValueError:
        return None


@pytest.mark.parametrize(
    "case_key",
    [
        ("logistic", True, "messy"),
        ("tree", True, "telecom"),
        ("gbdt", True, "messy"),
        ("hgb", False, "messy"),
        ("hgb-categorical", True, "messy"),
        ("forest", False, "telecom"),
    ],
    ids=lambda c: f"{c[0]}-{'impute' if c[1] else 'raw'}-{c[2]}",
)
def test_odd_inputs_score_like_sklearn_or_fail_cleanly(exported, case_key):
    case = exported[case_key]

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(record=odd_records())
    def check(record: dict[str, object]) -> None:
        compare_one(case, record)

    check()


def compare_one(case, record: dict[str, object]) -> None:
    expected = sklearn_or_none(case.pipeline, record)
    try:
        got = case.model.score(record)
    except InvalidInput:
        # PMML has no result: an infinite/unrepresentable input (scikit-learn refuses it
        # too), a missing value a tree without missing-value handling needs, or a result
        # that is not a number (scikit-learn returns NaN).
        assert expected is None or math.isnan(expected) or has_missing(record)
        return
    if expected is None:
        # scikit-learn refuses values that overflow to infinity inside the pipeline (its
        # input validation after StandardScaler); PMML computes on, as JPMML does.
        assert any(is_huge(v) for v in record.values()), "scored a record sklearn refuses"
        assert 0.0 <= got <= 1.0
        return
    assert abs(got - expected) <= 1e-9


def has_missing(record: dict[str, object]) -> bool:
    return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in record.values())


def is_huge(value: object) -> bool:
    # beyond float64 after scaling, or beyond float32 where trees compare in float32
    return isinstance(value, float) and math.isfinite(value) and abs(value) >= 1e30
