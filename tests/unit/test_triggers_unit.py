"""plpython/triggers.py and realtime.py against a fake plpy: no database, fast."""

import importlib
import math

import pytest

from tests.unit import fake_plpy


@pytest.fixture
def fake(monkeypatch):
    return fake_plpy.install(monkeypatch)


def test_counters_are_bumped_with_one_constant_statement_and_plans_are_cached(fake, monkeypatch):
    triggers = importlib.import_module("pgchurn.plpython.triggers")
    calls = []
    monkeypatch.setattr(triggers.realtime, "rescore", lambda targets, why: calls.append((targets, why)))
    fake.results = [[{"customer_id": 7, "churn_score": 0.2, "complaint_id": 70}]]
    triggers.on_complaints_inserted()
    fake.results = [[{"customer_id": 3, "churn_score": None, "complaint_id": 31},
                     {"customer_id": 2, "churn_score": 0.5, "complaint_id": 20}]]  # fmt: skip
    triggers.on_complaints_inserted()
    assert len(fake.prepared) == 1, "the counter statement is prepared once per backend"
    assert "FROM new_complaints" in fake.prepared[0].query
    assert "FOR NO KEY UPDATE" in fake.prepared[0].query
    assert [[t.customer_id for t in targets] for targets, _ in calls] == [[7], [2, 3]]
    assert {why for _, why in calls} == {"complaint"}


def test_a_scoring_failure_is_recorded_not_raised(fake, monkeypatch):
    triggers = importlib.import_module("pgchurn.plpython.triggers")

    def boom(targets, why):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(triggers.realtime, "rescore", boom)
    fake.results = [[{"customer_id": 7, "churn_score": 0.2, "complaint_id": 70}], [{"mode": "record"}], []]
    triggers.on_complaints_inserted()
    recorded = fake.executed[-1]
    assert "INSERT INTO churn.scoring_error" in recorded[0].query
    assert recorded[1][:2] == [[7], [70]] and "model exploded" in recorded[1][2]


def test_strict_mode_reraises(fake, monkeypatch):
    triggers = importlib.import_module("pgchurn.plpython.triggers")
    monkeypatch.setattr(triggers.realtime, "rescore", lambda t, w: 1 / 0)
    fake.results = [[{"customer_id": 7, "churn_score": 0.2, "complaint_id": 70}], [{"mode": "raise"}]]
    with pytest.raises(ZeroDivisionError):
        triggers.on_complaints_inserted()


def test_an_unknown_error_mode_is_refused(fake):
    triggers = importlib.import_module("pgchurn.plpython.triggers")
    fake.results = [[{"mode": "ignore"}]]
    with pytest.raises(fake_plpy.Error, match="must be 'record' or 'raise'"):
        triggers.error_mode()


@pytest.mark.parametrize(
    ("previous", "score", "expected"),
    [
        (None, 0.6, True),  # first score, above the threshold
        (None, 0.3, False),
        (0.45, 0.55, True),  # crosses upwards
        (0.55, 0.45, True),  # crosses downwards
        (0.10, 0.25, True),  # jumps by the delta
        (0.10, 0.15, False),
        (0.70, 0.75, False),
    ],
)
def test_should_notify(fake, previous, score, expected):
    realtime = importlib.import_module("pgchurn.plpython.realtime")
    assert realtime.should_notify(previous, score, threshold=0.5, delta=0.1) is expected


def test_json_for_jsonb_never_emits_bare_nan(fake):
    realtime = importlib.import_module("pgchurn.plpython.realtime")
    text = realtime.to_json({"a": math.nan, "b": [math.inf, -math.inf], "c": 1.5, "d": None})
    assert text == '{"a":"NaN","b":["Infinity","-Infinity"],"c":1.5,"d":null}'


def test_package_imports_outside_the_database_without_plpy():
    import subprocess
    import sys

    code = (
        "import sys, pgchurn.plpython as p, pgchurn.plpython.pmml; "
        "assert 'plpy' not in sys.modules, 'importing the package must not need plpy'; "
        "print(p.CODE_VERSION)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "unloaded"
