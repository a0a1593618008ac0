"""plpython/baselines.py (no numpy, in the server) gives what train/baselines.py gives."""

import math

import numpy as np
import pandas as pd
import pytest
from pgchurn.plpython import baselines as server
from pgchurn.train import baselines as training


def _samples(seed):
    """Value sets of the shapes training meets: continuous, skewed, ties, flags, counts."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    continuous = rng.normal(50, 20, size=n)
    continuous[rng.random(n) < 0.1] = np.nan
    yield continuous
    yield rng.exponential(3.0, size=n).round(1)  # many ties
    yield rng.integers(0, 2, size=n).astype(float)  # a flag
    yield rng.poisson(0.4, size=n).astype(float)  # a count, mostly 0
    yield rng.integers(0, 11, size=n).astype(float)  # 11 distinct: quantile edges
    yield np.concatenate([np.full(n, 7.0), rng.normal(size=3)])  # one value dominates
    yield rng.uniform(size=n)  # scores


def _as_list(values):
    return [None if math.isnan(v) else float(v) for v in values]


@pytest.mark.parametrize("seed", range(40))
def test_numeric_bins_equal_training_bins_on_random_data(seed):
    for values in _samples(seed):
        expected = training.numeric_baseline(pd.Series(values))
        assert server.numeric_baseline(_as_list(values)) == expected


@pytest.mark.parametrize("seed", range(10))
def test_score_bins_equal_training_bins(seed):
    scores = np.random.default_rng(seed).beta(0.5, 3.0, size=2000)
    assert server.score_baseline(list(scores)) == training.score_baseline(scores)


@pytest.mark.parametrize("values", [[], [None, None], [3.0], [1.0, 1.0, 2.0]])
def test_degenerate_numeric_features(values):
    series = pd.Series(values, dtype=float)
    assert server.numeric_baseline(values) == training.numeric_baseline(series)


@pytest.mark.parametrize("seed", range(20))
def test_categorical_shares_equal_training_shares(seed):
    rng = np.random.default_rng(seed)
    words = ["Fibre Optic", "DSL", "none at all", "Two Year", "é"]
    values = [None if rng.random() < 0.07 else words[rng.integers(0, 5)] for _ in range(500)]
    expected = training.categorical_baseline(pd.Series(values, dtype=object))
    assert server.categorical_baseline(values) == expected


def test_categories_are_keyed_by_the_text_the_score_log_gives():
    base = server.categorical_baseline([1, 1, 2.5, True, None, "a b"])
    assert base["frequencies"] == {"1": 0.5, "2.5": 1 / 6, "null": 1 / 6, "a b": 1 / 6}


@pytest.fixture
def current(monkeypatch):
    from tests.unit import fake_plpy

    fake_plpy.install(monkeypatch)
    from pgchurn.plpython import current_baselines

    return current_baselines


def test_a_frame_row_is_flattened_as_scoring_reads_it(current):
    row = {
        "customer_id": 7,
        "tenure_months": 12,
        "complaints_90d": 0,
        "attributes": '{"plan_tier": "Gold Plus", "autopay": true, "visits": null, "spend": 12.5}',
    }
    assert current.flat_features(row) == {
        "tenure_months": 12,
        "complaints_90d": 0,
        "plan_tier": "Gold Plus",
        "autopay": 1,
        "visits": None,
        "spend": 12.5,
    }


def test_fields_are_binned_by_the_optype_the_model_declares(current):
    fields = [
        {"name": "tier", "dataType": "string", "optype": "categorical"},
        {"name": "flag", "dataType": "integer", "optype": "categorical"},
        {"name": "visits", "dataType": "double", "optype": "continuous"},
    ]
    records = [{"tier": "A b", "flag": 1, "visits": 2.0}, {"tier": None, "flag": 0, "visits": None}]
    result = current.baselines_of(fields, records, [0.1, 0.9])
    assert set(result["categorical"]) == {"tier", "flag"} and set(result["numeric"]) == {"visits"}
    assert result["categorical"]["flag"]["frequencies"] == {"1": 0.5, "0": 0.5}
    assert result["numeric"]["visits"]["missing_fraction"] == 0.5
    assert result["score"] == server.score_baseline([0.1, 0.9])


def test_text_in_a_continuous_field_is_refused_naming_the_field(current):
    from tests.unit.fake_plpy import Error

    fields = [{"name": "visits", "dataType": "double", "optype": "continuous"}]
    with pytest.raises(Error, match="input field 'visits' is continuous in the model"):
        current.baselines_of(fields, [{"visits": "often"}], [0.5])
