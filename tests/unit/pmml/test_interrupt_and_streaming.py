"""The interrupt hook is reached throughout compilation and verification; streamed, chunked
compilation scores exactly like the document; a released model still scores and explains."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pgchurn.plpython.pmml import (
    PmmlError,
    codegen,
    compile_pmml,
    compiled_model,
    interrupt,
    xmlsafe,
)

from tests.unit.pmml.conftest import Exported


class Interrupted(Exception):
    """Stands for the SPIError a cancel raises inside the database."""


@pytest.fixture
def forest(exported: dict[tuple[str, bool, str], Exported]) -> Exported:
    return exported[("forest", True, "telecom")]


@pytest.fixture
def every_poll(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Make every poll run the check; yields the list the check appends to."""
    calls: list[int] = []
    monkeypatch.setattr(interrupt, "EVERY", 1)
    monkeypatch.setattr(interrupt, "INTERVAL", 0.0)
    interrupt.install(lambda: calls.append(1))
    yield calls
    interrupt.install(None)


def _raise_after(n: int) -> None:
    count = [0]

    def check() -> None:
        count[0] += 1
        if count[0] >= n:
            raise Interrupted(f"check {n}")

    interrupt.install(check)


@pytest.mark.parametrize("after", [1, 50, 2000, 20000])
def test_an_interrupt_propagates_unchanged_from_any_point_of_compilation(
    forest: Exported, every_poll: list[int], after: int
) -> None:
    """Whatever the check raises ends compile_pmml as it is: never wrapped or swallowed."""
    compile_pmml(forest.pmml)
    assert len(every_poll) > 20000  # polled all along parsing, checking and code generation
    _raise_after(after)
    with pytest.raises(Interrupted, match=f"check {after}"):
        compile_pmml(forest.pmml).bytecode()


def test_verification_polls(forest: Exported, every_poll: list[int]) -> None:
    compiled = compile_pmml(forest.pmml)
    _raise_after(1)
    with pytest.raises(Interrupted):
        compiled.verify()


def test_the_default_check_does_nothing(forest: Exported) -> None:
    interrupt.install(None)
    assert compile_pmml(forest.pmml).verify() == []


def test_ensemble_segments_are_streamed_not_kept(forest: Exported) -> None:
    seen: list[str] = []
    root = xmlsafe.parse(forest.pmml, visit=lambda s: seen.append(s.path))
    segmentation = root.find("MiningModel").find("Segmentation")  # type: ignore[union-attr]
    assert segmentation is not None
    assert segmentation.children == []
    assert len(seen) == len(segmentation.deferred or []) == 50
    assert seen[2] == "/PMML/MiningModel/Segmentation/Segment[3]"
    again = list(segmentation.each("Segment"))
    assert [s.path for s in again] == seen
    assert all(s.find("TreeModel") is not None for s in again)


def test_small_parts_and_chunks_score_exactly_like_the_default(
    forest: Exported, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Helper functions and chunked compile change no score nor explanation, bit for bit."""
    default = forest.model
    monkeypatch.setattr(codegen, "PART_CHARS", 5000)
    monkeypatch.setattr(compiled_model, "COMPILE_CHARS", 3000)
    split = compile_pmml(forest.pmml)
    assert split.source.count("\ndef _part") > 20
    reloaded = compiled_model.load_compiled(split.source, split.bytecode())
    assert reloaded.from_bytecode
    for record in forest.score_rows.head(300).to_dict("records"):
        assert split.score(record) == default.score(record) == reloaded.score(record)
        assert split.explain(record) == default.explain(record)


def test_a_released_model_scores_and_explains_without_its_source(forest: Exported) -> None:
    compiled = compile_pmml(forest.pmml)
    record = forest.score_rows.iloc[0].to_dict()
    expected = compiled.score(record), compiled.explain(record)
    compiled.release()
    assert compiled.source == ""
    assert (compiled.score(record), compiled.explain(record)) == expected
    with pytest.raises(PmmlError):
        compiled.bytecode()
