"""CompiledModel: the public face of a compiled PMML document."""

from __future__ import annotations

import marshal
import sys
import zlib

from . import interrupt, runtime
from .errors import PmmlError
from .version import FORMAT_VERSION, HEADER, python_version

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from types import CodeType
    from typing import Any

    Record = Mapping[str, object]
    Codes = tuple[CodeType, ...]


_CODE_TYPE = type(python_version.__code__)  # types.CodeType, without importing types


# Generated modules are compiled this many characters at a time (whole top-level statements),
# so that compile()'s syntax tree, many times the size of its source, stays small.
COMPILE_CHARS = 100_000
EXPLAIN_MARKER = "\n# explain\n"  # compiler.EXPLAIN_MARKER, without importing the compiler
# The first bytes of `bytecode()`: bytecode of another format (or none) is ignored.
CODE_MARKER = b"pgchurn model code: zlib-marshal chunks 1\n"


class CompiledModel:
    """A scoring function generated from one PMML document, plus its metadata.

    Attributes:
        source: the generated module's source; cache it and reload with `load_compiled`.
            `release()` drops it (and the module's code) once it has been stored.
        score: `score(record) -> float`, the probability of the positive class (or the
            predicted value of a regression). Raises InvalidInput when PMML defines no result.
        score_rows: `score_rows(rows, out)`, score's twin for many records without a dict
            each: appends to the list `out` the score of each row of `rows` (tuples of the
            input fields' values in `input_order`), the same bits as `score`. Raises as
            `score` does at the first row that fails, the rows before it scored in `out`;
            pass an iterator to go on after it.
        input_fields: the active MiningFields: name, dataType, optype (and values).
        input_order, input_names: their names, in order and as a frozenset.
        algorithm: e.g. "MiningModel/classification".
        target: the target field's name; positive_class: the class `score` is about.
        verification_rows: number of ModelVerification rows in the document.

    """

    def __init__(
        self,
        source: str,
        namespace: dict[str, Any],
        code: Codes | None = None,
        explain_code: Codes | None = None,
    ) -> None:
        self.source = source
        self._namespace = namespace
        self._code = code
        self._explain_code = explain_code
        # the explaining code kept compressed (loaded from bytecode, or released), or None
        self._explain_z: tuple[bytes, ...] | None = None
        self.from_bytecode = False  # set by load_compiled when cached bytecode was used
        self._explain: Callable[[Record], tuple[float, float, list[float]]] | None = None
        self._meta: dict[str, Any] = namespace["META"]
        self.score: Callable[[Record], float] = namespace["score"]
        self.input_fields: list[dict[str, Any]] = self._meta["inputs"]
        self.input_order = tuple(f["name"] for f in self.input_fields)
        self.score_rows: Callable[[Iterable[tuple[Any, ...]], list[float]], None] = (
            namespace.get("score_rows") or self._rows_by_record  # code generated before it
        )
        self.input_names = frozenset(self.input_order)
        self.algorithm: str = self._meta["algorithm"]
        self.target: str | None = self._meta["target"]
        self.positive_class: Any = self._meta["positive"]
        self.python_version: str = self._meta["python_version"]
        self.format_version: int = self._meta["format_version"]
        data = self._meta["verification"]
        self.verification_rows = len(data["rows"]) if data is not None else 0

    def _rows_by_record(self, rows: Iterable[tuple[Any, ...]], out: list[float]) -> None:
        """score_rows for code generated without it: a record per row."""
        score, order = self.score, self.input_order
        for row in rows:
            out.append(score(dict(zip(order, row, strict=True))))

    def explain(self, record: Record) -> tuple[float, list[tuple[str, float]], float]:
        """(base_value, [(input field, contribution)], margin) with base + sum = margin.

        The margin is the value before any logistic link: the log-odds of a logistic
        regression or boosted ensemble, the probability itself for a tree or forest.

        Raises:
            InvalidInput: the record cannot be scored.
            PmmlError: the model's shape has no explanation (scoring still works).

        """
        if self._explain is None:
            self._explain = self._load_explain()
        margin, base, slots = self._explain(record)
        names = [f["name"] for f in self.input_fields]
        contributions = list(zip(names, slots, strict=False))
        if slots[-1] != 0.0:
            contributions.append(("(other)", slots[-1]))
        return base, contributions, margin

    def _load_explain(self) -> Callable[[Record], tuple[float, float, list[float]]]:
        codes = self._compiled_explain()
        if codes is None:
            raise PmmlError(
                f"{self.algorithm}: this model shape has no explanation; scores are unaffected"
            )
        for code in codes:
            exec(code, self._namespace)  # noqa: S102
        return self._namespace["explain"]  # type: ignore[no-any-return]

    def _compiled_explain(self) -> Codes | None:
        """The explaining code: compiled from the source once, or unpacked when compressed."""
        if self._explain_code is not None:
            return self._explain_code
        if self._explain_z is not None:
            return tuple(_unpacked(chunk) for chunk in self._explain_z)
        span = _explain_span(self.source)
        if span is not None:
            self._explain_code = _compile_chunks(self.source, *span)
        return self._explain_code

    def bytecode(self) -> bytes:
        """The compiled code (scoring and explanation), for `load_compiled`.

        Each chunk of code is marshalled and zlib-compressed on its own, so that it can be
        loaded on its own. Only valid for this Python version and this exact source: both are
        recorded in it and checked when it is loaded. It is code: store it where only the
        owner can write.
        """
        digest = _check_header(self.source)
        if not _has_body(self.source):
            raise PmmlError(
                "this model holds no source to make bytecode from (released, or loaded from "
                "bytecode). Fix: compile the PMML document again"
            )
        code = self._code or _compile_chunks(self.source, *_score_span(self.source))
        explain = self._compiled_explain()
        return pack(
            digest,
            [packed(c) for c in code],
            None if explain is None else [packed(c) for c in explain],
        )

    def release(self) -> None:
        """Drop the source and the module's code, keeping what scores and explains.

        Call it once the source and bytecode are stored: a large ensemble's source is
        several times the size of its scoring code. Afterwards `source` is empty and
        `bytecode()` refuses; `explain()` still works (its code is kept compressed).
        """
        if self._explain is None and self._explain_z is None:
            explain = self._compiled_explain()
            if explain is not None:
                self._explain_z = tuple(packed(c) for c in explain)
        self._explain_code = None
        self.source = ""
        self._code = None

    def close(self) -> None:
        """Drop everything, functions included: the model cannot score or explain afterwards."""
        self.release()
        self._explain_z = None
        self._explain = None
        self._namespace.clear()  # functions refer to it: clearing breaks the cycle at once

    def verify(self) -> list[str]:
        """Replay the document's ModelVerification rows; returns mismatch descriptions."""
        from . import verify  # only registration verifies: loading cached code skips it

        return verify.run(self._meta, self.score)


def _check_header(source: str) -> str:
    """The digest the source's first line records, once it names this format and Python."""
    first = source[:300].partition("\n")[0]
    expected = f"{HEADER} v{FORMAT_VERSION} python{python_version()} sha256="
    if not first.startswith(expected):
        raise PmmlError(
            f"cached model source was generated by another runtime or Python ({first[:90]!r}); "
            f"this is format v{FORMAT_VERSION} on Python {python_version()}. "
            "Fix: compile the PMML document again"
        )
    return first[len(expected) :].strip()


def _check_body(source: str, digest: str) -> None:
    """Refuse source whose text after the first line does not match its recorded sha256."""
    import hashlib  # only to compile source: loading cached bytecode does not need it

    body = source.index("\n") + 1
    hashed = hashlib.sha256()
    for start in range(body, len(source), COMPILE_CHARS):
        interrupt.tick()
        hashed.update(source[start : start + COMPILE_CHARS].encode("utf-8"))
    if hashed.hexdigest() != digest:
        raise PmmlError(
            "cached model source does not match its digest (truncated or edited). "
            "Fix: compile the PMML document again"
        )


def _has_body(source: str) -> bool:
    """Whether the source holds more than its first line (registration stores only that)."""
    return source.find("\n") + 1 not in (0, len(source))


def _explain_span(source: str) -> tuple[int, int] | None:
    """Offsets of the explaining code after the marker line, or None when there is none."""
    marker = source.find(EXPLAIN_MARKER)
    if marker < 0:
        return None
    start = marker + len(EXPLAIN_MARKER)
    return (start, len(source)) if source[start:].strip() else None


def _score_span(source: str) -> tuple[int, int]:
    """Offsets of the scoring code: after the header line, before the explaining code."""
    end = source.find(EXPLAIN_MARKER)
    return source.index("\n") + 1, len(source) if end < 0 else end + 1


def _boundary(source: str, at: int, end: int) -> int:
    """The first start of a top-level statement at or after `at` (or `end`)."""
    while at < end:
        newline = source.find("\n", at, end)
        if newline < 0 or newline + 1 >= end:
            return end
        if source[newline + 1] not in " \n":
            return newline + 1
        at = newline + 1
    return end


def _compile_chunks(source: str, start: int, end: int) -> Codes:
    """Compile source[start:end] as a series of modules of about COMPILE_CHARS each."""
    codes = []
    while start < end:
        interrupt.tick()
        cut = _boundary(source, start + COMPILE_CHARS, end)
        codes.append(compile(source[start:cut], "<pmml-model>", "exec"))
        start = cut
    interrupt.tick()
    return tuple(codes)


# importlib.util.MAGIC_NUMBER, read from the frozen module every interpreter holds, without
# importing importlib (a cold backend has not) nor importlib.util (and contextlib).
MAGIC: bytes = sys.modules["_frozen_importlib_external"].MAGIC_NUMBER


def load_compiled(source: str, bytecode: bytes | None = None) -> CompiledModel:
    """Load a model from source produced by `compile_pmml(...).source`; no XML is parsed.

    With `bytecode` from `CompiledModel.bytecode()` (or `build.Built.bytecode()`) of the same
    source and Python version, nothing is compiled, and `source` may be the module's first
    line alone; bytecode that does not match is ignored. Only load source or bytecode from a
    place that only the model's owner can write: it is executed.

    Raises:
        PmmlError: the source is of another format or Python, or does not match its digest,
            or is only the first line and the bytecode is unusable.

    """
    digest = _check_header(source)
    chunks = _unpack(bytecode, digest) if bytecode else None
    namespace = None if chunks is None else _exec_packed(chunks[0])
    if namespace is not None and chunks is not None:
        model = CompiledModel(source, namespace)
        model._explain_z = chunks[1]
        model.from_bytecode = True
        return model
    if not _has_body(source):
        raise PmmlError(
            "the cached model code is unusable (damaged, or of another Python) and only the "
            "first line of its source is kept. Fix: compile the PMML document again"
        )
    _check_body(source, digest)
    code = _compile_chunks(source, *_score_span(source))
    namespace = dict(runtime.NAMESPACE)
    for chunk in code:
        exec(chunk, namespace)  # noqa: S102 - our own output
    return CompiledModel(source, namespace, code)


Chunks = tuple[bytes, ...]


def packed(code: CodeType) -> bytes:
    """One chunk of code, marshalled and compressed."""
    interrupt.tick()
    return zlib.compress(marshal.dumps(code))


def pack(digest: str, score: list[bytes], explain: list[bytes] | None) -> bytes:
    """The stored form of a model's code: compressed chunks, stamped with Python and source."""
    interrupt.tick()
    body = (MAGIC, digest, tuple(score), None if explain is None else tuple(explain))
    return CODE_MARKER + marshal.dumps(body)


def _unpacked(chunk: bytes) -> CodeType:
    """The code object of one compressed chunk; PmmlError if it is damaged."""
    interrupt.tick()
    try:
        code = marshal.loads(zlib.decompress(chunk))
    except (zlib.error, EOFError, ValueError, TypeError):
        code = None
    if not isinstance(code, _CODE_TYPE):
        raise PmmlError("a chunk of cached model code is damaged. Fix: compile the PMML again")
    return code


def _chunks(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(c, bytes) for c in value)


def _unpack(bytecode: bytes, digest: str) -> tuple[Chunks, Chunks | None] | None:
    """The compressed scoring and explaining chunks, if `bytecode` fits this source and Python."""
    if not bytecode.startswith(CODE_MARKER):
        return None  # another format (before revision 0010: one marshal of all the code)
    try:
        magic, made_from, score, explain = marshal.loads(memoryview(bytecode)[len(CODE_MARKER) :])
    except (EOFError, ValueError, TypeError):
        return None
    fits = magic == MAGIC and made_from == digest and _chunks(score)
    if not fits or not (explain is None or _chunks(explain)):
        return None
    return score, explain


def _exec_packed(chunks: Chunks) -> dict[str, Any] | None:
    """A namespace holding the scoring code of these chunks, or None if one is damaged."""
    namespace: dict[str, Any] = dict(runtime.NAMESPACE)
    for chunk in chunks:
        try:
            code = _unpacked(chunk)
        except PmmlError:
            return None
        exec(code, namespace)  # noqa: S102 - our own output
    return namespace


def compile_pmml(
    text: str | bytes, *, max_bytes: int | None = None, max_depth: int | None = None
) -> CompiledModel:
    """Compile a PMML 4.4 document into a CompiledModel.

    The compiler is imported here, not at module level, so that a backend that only loads
    cached code never imports it (nor xml.etree).

    Args:
        text: the document.
        max_bytes: refuse larger documents (default 20 MiB, xmlsafe.DEFAULT_MAX_BYTES).
        max_depth: refuse documents nested deeper (default 200).

    Raises:
        UnsafeDocument, InvalidDocument, UnsupportedElement: the document is refused.

    """
    from .compiler import generate_from_text
    from .xmlsafe import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH

    return load_compiled(
        generate_from_text(
            text,
            max_bytes=DEFAULT_MAX_BYTES if max_bytes is None else max_bytes,
            max_depth=DEFAULT_MAX_DEPTH if max_depth is None else max_depth,
        )
    )
