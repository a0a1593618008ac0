"""Drift baselines: bins that every training value falls into, shares that add up."""

import numpy as np
import pandas as pd
import pytest
from pgchurn.train import baselines


@pytest.mark.parametrize("share_of_ones", [0.5, 0.93, 1.0])
def test_a_flag_gets_one_bin_per_value(share_of_ones):
    values = pd.Series([1] * int(100 * share_of_ones) + [0] * (100 - int(100 * share_of_ones)))
    base = baselines.numeric_baseline(values)
    if share_of_ones < 1.0:
        assert base["edges"] == [0.0]
        assert base["fractions"] == pytest.approx([1 - share_of_ones, share_of_ones])
    else:
        assert base["edges"] == [] and base["fractions"] == [1.0]


def test_a_continuous_feature_gets_quantile_bins_that_add_up():
    values = pd.Series(np.random.default_rng(0).normal(size=1000))
    values[::50] = np.nan
    base = baselines.numeric_baseline(values)
    assert len(base["edges"]) == 9 and sum(base["fractions"]) == pytest.approx(1.0)
    assert all(f == pytest.approx(0.1, abs=0.02) for f in base["fractions"])
    assert base["missing_fraction"] == pytest.approx(0.02)


def test_categorical_shares_count_missing_as_null():
    base = baselines.categorical_baseline(pd.Series(["a", "a", None, "b"]))
    assert base["frequencies"] == {"a": 0.5, "null": 0.25, "b": 0.25}
