"""Compile a document into stored form, and verify it, without ever holding the whole module.

`build(text)` sends the generated module, piece by piece, through `CodeSink`: each chunk of
about `model.COMPILE_CHARS` characters is compiled, marshalled and zlib-compressed as soon as it
is complete, and only the compressed bytes are kept (about a sixth of the source). The helper
functions of a large ensemble (`_partN`, see codegen.Parts) are chunks of their own.

`check(built)` replays the document's ModelVerification rows through that code while holding
at most one helper function loaded: every other chunk is loaded once, and the helpers are
replayed one at a time (see `_Replay`). Scores are the ones a scoring backend computes, bit for
bit: the same code runs on the same values.

The compiler (and xml.etree) is imported here: loading stored code never imports this module.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from . import interrupt, runtime, verify
from .codegen import Sink
from .compiled_model import COMPILE_CHARS, CompiledModel, load_compiled, pack, packed
from .compiled_model import _unpacked as unpacked
from .compiler import EXPLAIN_MARKER, emit_from_text, header
from .xmlsafe import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH


class Built(NamedTuple):
    """A compiled document in stored form: compressed chunks of code, and the module's header.

    Attributes:
        header: the first line of the generated module (format, Python, SHA-256 of the rest).
        digest: that SHA-256.
        score: the scoring chunks, each with the name of the helper function it alone defines.
        explain: the explaining chunks, or None when the model has no explanation.
        reference: what explanations measure from: "training" (node weights and term
            means from training), "unweighted" (some are missing), None (no explanation).

    """

    header: str
    digest: str
    score: list[tuple[bytes, str | None]]
    explain: list[bytes] | None
    reference: str | None = None

    def bytecode(self) -> bytes:
        """The stored form of the code, for `load_compiled(header, bytecode)`."""
        return pack(self.digest, [chunk for chunk, _ in self.score], self.explain)

    def load(self) -> CompiledModel:
        """The model, loaded from the compressed chunks as a scoring backend loads it."""
        return load_compiled(self.header, self.bytecode())


class CodeSink(Sink):
    """Compiles, marshals and compresses the module's pieces chunk by chunk, and hashes them."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.before_explain = self.digest.copy()
        self.pending: list[str] = []
        self.size = 0
        self.score: list[tuple[bytes, str | None]] = []
        self.explain: list[bytes] | None = None

    def piece(self, text: str, part: str | None = None) -> None:
        """Hash the piece and add it to the current chunk (a scoring helper: a chunk alone)."""
        interrupt.poll()
        self.digest.update(text.encode("utf-8"))
        if part is not None and self.explain is None:
            self._flush()
            self.score.append((_compressed(text), part))
            return
        if self.size and self.size + len(text) > COMPILE_CHARS:
            self._flush()
        self.pending.append(text)
        self.size += len(text)

    def explaining(self) -> None:
        """Close the scoring chunks; the marker line is hashed like the module holds it."""
        self._flush()
        self.digest.update(EXPLAIN_MARKER.encode("utf-8"))
        self.before_explain = self.digest.copy()
        self.explain = []

    def not_explainable(self) -> None:
        """Forget the explaining chunks and their hash."""
        self.pending.clear()
        self.size = 0
        self.digest = self.before_explain
        self.explain = None

    def built(self) -> Built:
        """Everything sent, in stored form."""
        self._flush()
        digest = self.digest.hexdigest()
        return Built(header(digest), digest, self.score, self.explain)

    def _flush(self) -> None:
        if not self.pending:
            return
        chunk = _compressed("".join(self.pending))
        self.pending.clear()
        self.size = 0
        if self.explain is None:
            self.score.append((chunk, None))
        else:
            self.explain.append(chunk)


def _compressed(source: str) -> bytes:
    interrupt.tick()
    return packed(compile(source, "<pmml-model>", "exec"))


def build(
    text: str | bytes, *, max_bytes: int | None = None, max_depth: int | None = None
) -> Built:
    """Parse, check and compile a PMML document into stored form (see the module's docstring).

    Raises:
        UnsafeDocument, InvalidDocument, UnsupportedElement: the document is refused.

    """
    sink = CodeSink()
    attr = emit_from_text(
        text,
        sink,
        max_bytes=DEFAULT_MAX_BYTES if max_bytes is None else max_bytes,
        max_depth=DEFAULT_MAX_DEPTH if max_depth is None else max_depth,
    )
    built = sink.built()
    if attr is None or built.explain is None:
        return built
    return built._replace(reference="training" if attr.weighted and attr.centred else "unweighted")


class Checked(NamedTuple):
    """What the verification of a built model found, and the metadata of the model."""

    meta: dict[str, Any]
    mismatches: list[str]

    @property
    def verification_rows(self) -> int:
        """Number of ModelVerification rows the document carries."""
        data = self.meta["verification"]
        return len(data["rows"]) if data is not None else 0


def check(built: Built) -> Checked:
    """Replay the document's ModelVerification rows; at most one helper function is loaded."""
    namespace: dict[str, Any] = dict(runtime.NAMESPACE)
    parts: list[tuple[str, bytes]] = []
    for chunk, part in built.score:
        if part is None:
            exec(unpacked(chunk), namespace)  # noqa: S102 - our own output
        else:
            parts.append((part, chunk))
    meta = namespace["META"]
    if meta["verification"] is None or not parts:
        return Checked(meta, verify.run(meta, namespace["score"]))
    try:
        return Checked(meta, _replayed(meta, namespace, parts))
    except _Unreplayable:
        for _, chunk in parts:  # replaces the stand-ins with the helpers themselves
            exec(unpacked(chunk), namespace)  # noqa: S102 - our own output
        return Checked(meta, verify.run(meta, namespace["score"]))


def _replayed(
    meta: dict[str, Any], namespace: dict[str, Any], parts: list[tuple[str, bytes]]
) -> list[str]:
    """verify.run with the helpers loaded one at a time (one pass over the rows for each).

    Pass k runs every row with the real k-th helper and stand-ins for the others: a stand-in
    returns the result its helper gave for that row in an earlier pass (so everything up to
    the k-th helper's call computes exactly what the whole model computes), or its argument
    when its helper has not run yet. A last pass, with stand-ins only, gives the scores.
    """
    replay = _Replay()
    for name, _ in parts:
        namespace[name] = replay.stand_in(name)
    score = replay.scorer(namespace["score"])
    for name, chunk in parts:
        exec(unpacked(chunk), namespace)  # noqa: S102 - our own output
        namespace[name] = replay.real(name, namespace[name])
        replay.start_pass(final=False)
        verify.run(meta, score)
        namespace[name] = replay.stand_in(name)
    replay.start_pass(final=True)
    return verify.run(meta, score)


class _Unreplayable(BaseException):
    """A helper ran twice for one row, or a stand-in lacks its result: verify the plain way.

    A BaseException, so that the generated code's `except Exception` does not catch it.
    """


class _Replay:
    """Results of each helper function for each verification row, and stand-ins using them."""

    def __init__(self) -> None:
        self.row = -1
        self.final = False
        self.results: dict[tuple[str, int], tuple[bool, Any]] = {}
        self.called: set[tuple[str, int]] = set()

    def start_pass(self, *, final: bool) -> None:
        """Before each pass over the rows."""
        self.row, self.final = -1, final
        self.called.clear()

    def scorer(self, score: Any) -> Any:
        """`score`, counting the rows (verify.run scores each row once, in order)."""

        def scored(record: Any) -> Any:
            self.row += 1
            return score(record)

        return scored

    def _call(self, name: str) -> tuple[str, int]:
        key = (name, self.row)
        if key in self.called:
            raise _Unreplayable
        self.called.add(key)
        return key

    def stand_in(self, name: str) -> Any:
        """Returns (or raises) the helper's recorded result for the current row."""

        def part(acc: float, *args: object) -> Any:
            found = self.results.get(self._call(name))
            if found is None:
                if self.final:
                    raise _Unreplayable
                return acc  # a later pass runs this helper: what follows is not used
            failed, value = found
            if failed:
                raise value
            return value

        return part

    def real(self, name: str, function: Any) -> Any:
        """The helper itself, recording its result (or exception) for the current row."""

        def part(acc: float, *args: object) -> Any:
            key = self._call(name)
            try:
                value = function(acc, *args)
            except Exception as exc:
                self.results[key] = (True, exc)
                raise
            self.results[key] = (False, value)
            return value

        return part
