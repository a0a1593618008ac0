"""CompiledModel.score_rows, the scorer of many records, gives score's very bits and errors."""

from __future__ import annotations

import pytest
from pgchurn.plpython.pmml import CompiledModel, InvalidInput

from .conftest import CASES, Exported
from .test_parity import records


def outcomes_one_by_one(case: Exported) -> list[object]:
    """score(record) of every record: its float's hex, or the error's type and message."""
    out: list[object] = []
    for record in records(case.score_rows):
        try:
            out.append(case.model.score(record).hex())
        except InvalidInput as exc:
            out.append((type(exc).__name__, str(exc)))
    return out


def outcomes_by_rows(model: CompiledModel, case: Exported) -> list[object]:
    """score_rows over the same records as tuples, going on after each row that raises."""
    rows = iter([tuple(r[n] for n in model.input_order) for r in records(case.score_rows)])
    scores: list[object] = []
    while True:
        try:
            model.score_rows(rows, scores)  # type: ignore[arg-type]
            break
        except InvalidInput as exc:
            scores.append((type(exc).__name__, str(exc)))
    return [s.hex() if isinstance(s, float) else s for s in scores]


@pytest.mark.parametrize("case_key", CASES, ids=["-".join(map(str, c)) for c in CASES])
def test_score_rows_gives_the_bits_and_the_errors_of_score(exported, case_key):
    case = exported[case_key]
    expected = outcomes_one_by_one(case)
    assert len(expected) == len(case.score_rows) >= 3000
    assert outcomes_by_rows(case.model, case) == expected


def test_messy_rows_include_refused_and_unpredicted_records(exported):
    """The comparison above covers errors too: without an imputer, missing values fail."""
    outcomes = outcomes_one_by_one(exported[("logistic", False, "messy")])
    assert any(isinstance(o, tuple) for o in outcomes)
    assert any(isinstance(o, str) for o in outcomes)


def test_code_generated_without_score_rows_scores_rows_through_records(exported):
    case = exported[("gbdt", True, "messy")]
    namespace = dict(case.model._namespace)
    del namespace["score_rows"]
    older = CompiledModel(case.model.source, namespace)
    assert outcomes_by_rows(older, case) == outcomes_one_by_one(case)
