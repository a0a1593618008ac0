"""pmml.build: compiling chunk by chunk into compressed bytecode, and verifying it one helper
function at a time, gives exactly what compile_pmml gives: the same module digest, the same
scores and explanations bit for bit, the same verification findings."""

from __future__ import annotations

import re
import zlib
from typing import Any

import pytest
from pgchurn.plpython.pmml import (
    PmmlError,
    build,
    codegen,
    compile_pmml,
    compiled_model,
    load_compiled,
)

from tests.unit.pmml.conftest import Exported


@pytest.fixture
def forest(exported: dict[tuple[str, bool, str], Exported]) -> Exported:
    return exported[("forest", True, "telecom")]


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many helper functions and chunks, so that every path is taken on a small forest."""
    monkeypatch.setattr(codegen, "PART_CHARS", 5000)
    monkeypatch.setattr(compiled_model, "COMPILE_CHARS", 3000)


def _first_line(source: str) -> str:
    return source[: source.index("\n") + 1]


def test_built_code_is_the_module_compile_pmml_generates(forest: Exported, small_parts: None):
    whole = compile_pmml(forest.pmml)
    built = build.build(forest.pmml)
    assert built.header == _first_line(whole.source)  # same format, Python and SHA-256
    parts = [name for _, name in built.score if name is not None]
    scoring = whole.source[: whole.source.index(compiled_model.EXPLAIN_MARKER)]
    assert len(parts) > 20 and len(parts) == scoring.count("\ndef _part")
    assert built.explain is not None
    loaded = built.load()
    assert loaded.from_bytecode and loaded.source == built.header
    for record in forest.score_rows.head(300).to_dict("records"):
        assert loaded.score(record) == whole.score(record) == forest.model.score(record)
        assert loaded.explain(record) == whole.explain(record) == forest.model.explain(record)


def test_each_scoring_helper_is_a_chunk_of_its_own(forest: Exported, small_parts: None):
    built = build.build(forest.pmml)
    for chunk, name in built.score:
        code = compiled_model._unpacked(chunk)
        defined = {n for n in code.co_names if n.startswith(("_part", "_model", "score"))}
        if name is not None:
            assert defined == {name}
        else:
            assert not any(n.startswith("_part") for n in defined)


def test_bytecode_of_compile_pmml_loads_from_the_first_line_alone(forest: Exported):
    whole = compile_pmml(forest.pmml)
    loaded = load_compiled(_first_line(whole.source), whole.bytecode())
    assert loaded.from_bytecode
    record = forest.score_rows.iloc[0].to_dict()
    assert loaded.score(record) == whole.score(record)
    assert loaded.explain(record) == whole.explain(record)


def test_unusable_bytecode_with_the_first_line_alone_is_refused(forest: Exported):
    built = build.build(forest.pmml)
    code = built.bytecode()
    first = built.score[0][0]
    flipped = first[:10] + bytes([first[10] ^ 0xFF]) + first[11:]
    damaged_chunk = built._replace(score=[(flipped, None), *built.score[1:]])
    for bad in (b"", code[:100], damaged_chunk.bytecode(), b"not our format" + code):
        with pytest.raises(PmmlError, match="compile the PMML document again"):
            load_compiled(built.header, bad)


def test_verification_replays_one_helper_at_a_time(
    forest: Exported, small_parts: None, monkeypatch: pytest.MonkeyPatch
):
    built = build.build(forest.pmml)
    loaded_at_once: list[int] = []
    plain_run = build.verify.run

    def run(meta: Any, score: Any) -> list[str]:
        namespace = score.__closure__[0].cell_contents.__globals__  # scored() wraps score
        real = [
            n
            for n, f in namespace.items()
            if n.startswith("_part") and "stand_in" not in f.__qualname__
        ]
        loaded_at_once.append(len(real))
        return plain_run(meta, score)

    monkeypatch.setattr(build.verify, "run", run)
    checked = build.check(built)
    assert checked.mismatches == [] and checked.verification_rows > 10
    parts = sum(1 for _, name in built.score if name is not None)
    assert loaded_at_once == [1] * parts + [0]  # one pass per helper, then the scores


def _tampered(pmml: str) -> str:
    """The document with the expected probability of its second verification row changed."""
    cells = list(re.finditer(r"<data:probability_1>([^<]*)</data:probability_1>", pmml))
    cell = cells[1]
    wrong = str(float(cell.group(1)) + 0.25)
    return pmml[: cell.start(1)] + wrong + pmml[cell.end(1) :]


def test_verification_finds_what_the_whole_model_finds(forest: Exported, small_parts: None):
    tampered = _tampered(forest.pmml)
    expected = compile_pmml(tampered).verify()
    assert len(expected) == 1 and expected[0].startswith("row 2: probability(1) expected")
    assert build.check(build.build(tampered)).mismatches == expected


def test_verification_falls_back_to_every_helper_loaded(
    forest: Exported, small_parts: None, monkeypatch: pytest.MonkeyPatch
):
    def unreplayable(*args: object) -> list[str]:
        raise build._Unreplayable

    monkeypatch.setattr(build, "_replayed", unreplayable)
    tampered = _tampered(forest.pmml)
    assert build.check(build.build(tampered)).mismatches == compile_pmml(tampered).verify()


def test_a_helper_called_twice_for_one_row_cannot_be_replayed():
    replay = build._Replay()
    stand_in = replay.stand_in("_part1")
    replay.start_pass(final=False)
    replay.row = 0
    assert stand_in(1.5) == 1.5  # not run yet: passes its argument on
    with pytest.raises(build._Unreplayable):
        stand_in(1.5)
    replay.start_pass(final=True)
    replay.row = 0
    with pytest.raises(build._Unreplayable):
        stand_in(1.5)  # no recorded result in the last pass


def test_a_helper_that_raises_raises_the_same_in_the_last_pass():
    replay = build._Replay()
    failure = ValueError("no prediction")

    def helper(acc: float, x: float) -> float:
        raise failure

    real = replay.real("_part1", helper)
    replay.start_pass(final=False)
    replay.row = 0
    with pytest.raises(ValueError):
        real(0.0, 1.0)
    stand_in = replay.stand_in("_part1")
    replay.start_pass(final=True)
    replay.row = 0
    with pytest.raises(ValueError) as raised:
        stand_in(0.0, 1.0)
    assert raised.value is failure


def test_chunks_are_compressed(forest: Exported):
    built = build.build(forest.pmml)
    compressed = sum(len(c) for c, _ in built.score) + sum(len(c) for c in built.explain or [])
    raw = sum(len(zlib.decompress(c)) for c, _ in built.score)
    raw += sum(len(zlib.decompress(c)) for c in built.explain or [])
    assert compressed * 3 < raw
    assert len(built.bytecode()) < len(compile_pmml(forest.pmml).source) / 3


def test_explaining_code_given_up_midway_is_dropped_from_code_and_digest(
    forest: Exported, small_parts: None, monkeypatch: pytest.MonkeyPatch
):
    """A model found unexplainable after helpers were sent: none of them is kept or hashed."""
    from pgchurn.plpython.pmml import explain

    plain_base = explain._base
    calls = [0]

    def base(*args: Any) -> float:
        calls[0] += 1
        if calls[0] % 40 == 0:  # the 40th tree of each pass over the segments
            raise explain.NotExplainable("a tree of another kind")
        return plain_base(*args)

    monkeypatch.setattr(explain, "_base", base)
    whole = compile_pmml(forest.pmml)
    built = build.build(forest.pmml)
    assert built.explain is None
    assert whole.source.endswith(compiled_model.EXPLAIN_MARKER)
    assert built.header == _first_line(whole.source)
    loaded = built.load()
    record = forest.score_rows.iloc[0].to_dict()
    assert loaded.score(record) == forest.model.score(record)
    with pytest.raises(PmmlError, match="no explanation"):
        loaded.explain(record)
