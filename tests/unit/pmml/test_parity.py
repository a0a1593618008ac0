"""CompiledModel.score against scikit-learn's predict_proba, on every pipeline kind."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pgchurn.plpython.pmml import InvalidInput, load_compiled

from tests.datasets import NUMERIC

from .conftest import CASES, Exported

TOLERANCE = 1e-9
MIN_COMPARED = 1000


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as the database would send them: NaN (float) for missing, some as None."""
    rows = frame.to_dict("records")
    for index, row in enumerate(rows):
        if index % 2:
            for key, value in row.items():
                if isinstance(value, float) and math.isnan(value):
                    row[key] = None
    return rows


def sklearn_scores(case: Exported) -> np.ndarray:
    """predict_proba[:, 1], NaN where scikit-learn refuses the row (NaN into LR/GBDT)."""
    frame = case.score_rows
    result = np.full(len(frame), np.nan)
    ok = np.ones(len(frame), dtype=bool)
    if not case.impute and case.kind in ("logistic", "gbdt"):
        ok = ~frame[NUMERIC].isna().any(axis=1).to_numpy()
    result[ok] = case.pipeline.predict_proba(frame[ok])[:, 1]
    return result


def has_missing(row: dict[str, object]) -> bool:
    return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in row.values())


def compare(case: Exported, score) -> tuple[int, float]:
    expected = sklearn_scores(case)
    compared, worst = 0, 0.0
    for row, want in zip(records(case.score_rows), expected, strict=True):
        try:
            got = score(row)
        except InvalidInput:
            assert has_missing(row), f"refused a complete row: {row}"
            continue
        if math.isnan(want):
            continue
        worst = max(worst, abs(got - want))
        compared += 1
    return compared, worst


@pytest.mark.slow
@pytest.mark.parametrize(
    "case_key", CASES, ids=lambda c: f"{c[0]}-{'impute' if c[1] else 'raw'}-{c[2]}"
)
def test_score_matches_sklearn_predict_proba(exported, case_key):
    case = exported[case_key]
    compared, worst = compare(case, case.model.score)
    assert compared >= MIN_COMPARED
    assert worst <= TOLERANCE


@pytest.mark.slow
@pytest.mark.parametrize(
    "case_key", CASES, ids=lambda c: f"{c[0]}-{'impute' if c[1] else 'raw'}-{c[2]}"
)
def test_embedded_verification_rows_reproduce(exported, case_key):
    case = exported[case_key]
    assert case.model.verification_rows == 50
    assert case.model.verify() == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "case_key", CASES, ids=lambda c: f"{c[0]}-{'impute' if c[1] else 'raw'}-{c[2]}"
)
def test_cached_source_scores_identically(exported, case_key):
    case = exported[case_key]
    reloaded = load_compiled(case.model.source)
    assert reloaded.input_fields == case.model.input_fields
    assert reloaded.algorithm == case.model.algorithm
    for row in records(case.score_rows.head(300)):
        try:
            first = case.model.score(row)
        except InvalidInput:
            with pytest.raises(InvalidInput):
                reloaded.score(row)
            continue
        assert reloaded.score(row) == first


@pytest.mark.parametrize("kind", ["gbdt", "logistic"])
def test_cached_bytecode_scores_and_explains_identically(exported, kind):
    case = exported[(kind, True, "telecom")]
    code = case.model.bytecode()
    reloaded = load_compiled(case.model.source, code)
    assert reloaded.from_bytecode and reloaded._explain_z is not None  # explaining code too
    for row in records(case.score_rows.head(200)):
        assert reloaded.score(row) == case.model.score(row)
        assert reloaded.explain(row) == case.model.explain(row)


def test_bytecode_of_another_source_or_damaged_bytecode_is_ignored(exported):
    gbdt = exported[("gbdt", True, "telecom")].model
    logistic = exported[("logistic", True, "telecom")]
    for bad in (gbdt.bytecode(), b"not marshal data", logistic.model.bytecode()[:50]):
        reloaded = load_compiled(logistic.model.source, bad)
        assert not reloaded.from_bytecode
        row = records(logistic.score_rows.head(1))[0]
        assert reloaded.score(row) == logistic.model.score(row), "compiled from the source"


def test_imputing_pipelines_score_every_row(exported):
    for (kind, impute, dataset), case in exported.items():
        if impute:
            for row in records(case.score_rows.head(200)):
                assert 0.0 <= case.model.score(row) <= 1.0, (kind, dataset)


@pytest.mark.parametrize("kind", ["logistic", "forest", "gbdt"])
def test_int_inputs_score_as_the_equal_floats_and_huge_ints_take_the_slow_path(exported, kind):
    """The generated code converts an int without calling _num; that must change nothing.

    Whole-number inputs sent as int (as PostgreSQL's integer columns arrive) score exactly as
    the same values sent as float, and explain identically; an int too large for a float is
    refused like any invalid value, as the general conversion refuses it.
    """
    case = exported[(kind, True, "telecom")]
    model = case.model
    whole = [
        {
            k: (float(round(v)) if isinstance(v, float) and not math.isnan(v) else v)
            for k, v in r.items()
        }
        for r in records(case.score_rows.head(200))
    ]
    as_ints = [
        {k: (int(v) if isinstance(v, float) and not math.isnan(v) else v) for k, v in r.items()}
        for r in whole
    ]
    assert any(isinstance(v, int) for v in as_ints[0].values())
    for floats, ints in zip(whole, as_ints, strict=True):
        assert model.score(ints) == model.score(floats)
        assert model.explain(ints) == model.explain(floats)
    numeric = next(k for k, v in as_ints[0].items() if isinstance(v, int))
    big = as_ints[0] | {numeric: 2**60}
    assert model.score(big) == model.score(as_ints[0] | {numeric: float(2**60)})
    with pytest.raises(InvalidInput):
        model.score(as_ints[0] | {numeric: 10**400})
