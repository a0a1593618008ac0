"""plpython/rescoring.py against a fake plpy: what churn._score returns, without a database."""

import importlib
import json
import math

import pytest

from tests.unit import fake_plpy


class LinearModel:
    """A stand-in compiled model: margin = 2*a - b, score = logistic(margin)."""

    input_fields = [{"name": "a"}, {"name": "b"}]
    input_order = ("a", "b")
    input_names = frozenset(input_order)

    def __init__(self, out_of_range: float | None = None) -> None:
        self.out_of_range = out_of_range

    def score(self, record):
        if self.out_of_range is not None:
            return self.out_of_range
        return 1.0 / (1.0 + math.exp(-(2 * record["a"] - record["b"])))

    def explain(self, record):
        return 0.0, [("a", 2.0 * record["a"]), ("b", -record["b"])], 2 * record["a"] - record["b"]


@pytest.fixture
def rescoring(monkeypatch):
    fake_plpy.install(monkeypatch)
    module = importlib.import_module("pgchurn.plpython.rescoring")
    return module


def use(monkeypatch, rescoring, model):
    monkeypatch.setattr(rescoring.model_cache, "compiled", lambda sha: model)


def test_score_and_reasons_come_from_the_model(monkeypatch, rescoring):
    use(monkeypatch, rescoring, LinearModel())
    row = {"a": 1.5, "b": 4, "x": "ignored"}
    score, reasons, error, sqlstate, features, inputs = rescoring.score_row("abc", row)
    assert score == pytest.approx(1.0 / (1.0 + math.exp(-(3.0 - 4))))
    assert (error, sqlstate) == (None, None)
    assert json.loads(features) == {"a": 1.5, "b": 4}  # the model's inputs only
    # what the score log stores: the same inputs, packed in the model's order (log19, interim)
    assert rescoring.log_codec.decode(("a", "b"), inputs) == {"a": 1.5, "b": 4}
    assert json.loads(reasons) == [
        {"feature": "b", "value": 4, "contribution": -4.0},
        {"feature": "a", "value": 1.5, "contribution": 3.0},
    ]


def test_non_finite_values_become_json_strings(rescoring):
    features = rescoring.features_json(("a", "b"), {"a": 1.0, "b": float("inf")})
    assert json.loads(features) == {"a": 1.0, "b": "Infinity"}
    reasons = rescoring.reasons_json([{"feature": "b", "value": 2.0, "contribution": -math.inf}])
    assert json.loads(reasons) == [{"feature": "b", "value": 2.0, "contribution": "-Infinity"}]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_input_is_recorded_naming_the_field_and_the_value(
    monkeypatch, rescoring, value
):
    use(monkeypatch, rescoring, LinearModel())
    monkeypatch.setattr(rescoring, "error_mode", lambda: "record")
    score, _, error, _, _, inputs = rescoring.score_row("abc", {"a": 1.0, "b": value})
    assert score is None and inputs is None
    assert f"UnusableRow: feature 'b' is {value!r}" in error and "fix" in error


@pytest.mark.parametrize(
    ("sha", "features", "model", "message"),
    [
        (None, {"a": 1, "b": 2}, LinearModel(), "NoActiveModel: no churn model is active"),
        ("abc", {"a": 1}, LinearModel(), "MissingInput: the model needs input field 'b'"),
        ("abc", {"a": 1, "b": 2}, LinearModel(out_of_range=float("nan")), "not a probability"),
        ("abc", {"a": 1, "b": 2}, LinearModel(out_of_range=1.5), "1.5, which is not a probability"),
    ],
)
def test_failures_are_returned_not_raised_in_record_mode(
    monkeypatch, rescoring, sha, features, model, message
):
    use(monkeypatch, rescoring, model)
    monkeypatch.setattr(rescoring, "error_mode", lambda: "record")
    score, reasons, error, _, logged, inputs = rescoring.score_row(sha, features)
    assert score is None and reasons is None and logged is None and inputs is None
    assert message in error


def test_a_cancel_is_raised_even_in_record_mode(monkeypatch, rescoring):
    class QueryCanceled(Exception):
        sqlstate = "57014"

    def cancelled(sha):
        raise QueryCanceled("canceling statement due to user request")

    monkeypatch.setattr(rescoring.model_cache, "compiled", cancelled)
    monkeypatch.setattr(rescoring, "error_mode", lambda: "record")
    with pytest.raises(QueryCanceled):
        rescoring.score_row("abc", {"a": 1, "b": 2})


def test_raise_mode_raises_the_original_error(monkeypatch, rescoring):
    use(monkeypatch, rescoring, LinearModel())
    monkeypatch.setattr(rescoring, "error_mode", lambda: "raise")
    with pytest.raises(rescoring.NoActiveModel, match="no churn model is active"):
        rescoring.score_row(None, {"a": 1, "b": 2})


def test_the_error_mode_is_read_only_when_scoring_fails(monkeypatch, rescoring):
    use(monkeypatch, rescoring, LinearModel())
    reads = []
    monkeypatch.setattr(rescoring, "error_mode", lambda: reads.append(1) or "record")
    rescoring.score_row("abc", {"a": 1, "b": 2})
    assert reads == []
    rescoring.score_row(None, {"a": 1, "b": 2})
    assert reads == [1]


@pytest.mark.parametrize(
    "reasons",
    [
        [{"feature": "a", "value": 3, "contribution": -0.25}],
        [{"feature": "contract_type", "value": 'two "year"\n', "contribution": 1e-300}],
        [
            {"feature": "x", "value": None, "contribution": 2.0},
            {"feature": "(other)", "value": None, "contribution": 0.5},
        ],
        [{"feature": "f", "value": 0.1, "contribution": float("nan")}],
        [{"feature": "f", "value": True, "contribution": 1.0}],
        [{"feature": 'naïve "name"', "value": 1.5, "contribution": 1.0}],
    ],
)
def test_reasons_json_equals_the_general_encoder(rescoring, reasons):
    assert json.loads(rescoring.reasons_json(reasons)) == json.loads(rescoring.to_json(reasons))


@pytest.mark.parametrize(
    "record",
    [
        {"a": 3, "b": -0.25},
        {"a": 'two "year"\n', "b": 1e-300},
        {"a": None, "b": "plain"},
        {"a": float("nan"), "b": 2},
        {"a": True, "b": "naïve"},
    ],
)
def test_features_json_equals_the_general_encoder(rescoring, record):
    written = rescoring.features_json(("a", "b"), record | {"ignored": 1})
    assert json.loads(written) == json.loads(rescoring.to_json(record))
