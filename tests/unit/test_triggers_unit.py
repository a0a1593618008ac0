"""plpython/triggers.py against a fake plpy: statements are prepared once and typed."""

import importlib
from datetime import UTC, datetime

from tests.unit import fake_plpy


def test_complaint_trigger_bumps_counters_with_a_typed_cached_plan(monkeypatch):
    fake = fake_plpy.install(monkeypatch)
    triggers = importlib.import_module("pgchurn.plpython.triggers")
    when = datetime(2026, 3, 1, tzinfo=UTC)
    td = {"new": {"customer_id": 42, "created_at": when}, "event": "INSERT", "when": "AFTER"}

    triggers.on_complaint_insert(td)
    triggers.on_complaint_insert(td)

    assert len(fake.prepared) == 1, "the plan must be prepared once per backend"
    plan = fake.prepared[0]
    assert plan.types == ["bigint", "timestamptz"]
    assert "complaints_total = complaints_total + 1" in plan.query
    assert "$1" in plan.query and "$2" in plan.query
    assert fake.executed == [(plan, [42, when]), (plan, [42, when])]


def test_package_imports_outside_the_database_without_plpy():
    import subprocess
    import sys

    code = (
        "import sys, pgchurn.plpython as p; "
        "assert 'plpy' not in sys.modules, 'importing the package must not need plpy'; "
        "print(p.CODE_VERSION)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "unloaded"
