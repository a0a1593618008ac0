"""plpython/features.py: a churn.feature_frame row as the model reads it."""

from __future__ import annotations

import json
import math

import pytest

features = pytest.importorskip("pgchurn.plpython.features")

JSONB_TEXTS = [
    "{}",
    '{"a": 1, "b": -2.5e-300, "c": null, "d": true, "e": false}',
    '{"plan": "Gold Plus", "note": "caf\\u00e9 \\"quoted\\" back\\\\slash\\ttab"}',
    '{"big": 123456789012345678901234567890, "small": 0.1, "exp": 1E+3}',
    '{"x": "NaN", "y": "Infinity", "nested": {"k": [1, 2, {"z": null}]}}',
    '{"emoji": "\\ud83d\\ude00", "cjk": "\\u5e97"}',
]


@pytest.mark.parametrize("text", JSONB_TEXTS)
def test_loads_is_json_loads(text):
    assert features.loads(text) == json.loads(text)


def test_flatten_turns_booleans_into_ints_and_keeps_missing_values():
    row = {
        "customer_id": 7,
        "tenure_months": 3,
        "attributes": '{"autopay": true, "vip": false, "spend": null, "plan": "Basic"}',
    }
    record = features.flatten(row)
    assert record == {
        "customer_id": 7,
        "tenure_months": 3,
        "autopay": 1,
        "vip": 0,
        "spend": None,
        "plan": "Basic",
    }
    assert type(record["autopay"]) is int
    assert "attributes" not in row or row["attributes"]  # the caller's row is not changed


def test_a_derived_feature_wins_over_an_attribute_of_the_same_name():
    record = features.flatten({"tenure_months": 3, "attributes": '{"tenure_months": 99}'})
    assert record["tenure_months"] == 3


def test_no_attributes_is_no_attribute():
    assert features.flatten({"tenure_months": 1, "attributes": None}) == {"tenure_months": 1}
    assert math.isnan(features.loads('{"v": NaN}')["v"])
