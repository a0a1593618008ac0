"""CompiledModel: the public face of a compiled PMML document."""

from __future__ import annotations

import importlib
import marshal

from . import interrupt, runtime
from .errors import PmmlError
from .version import FORMAT_VERSION, HEADER, python_version

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import CodeType
    from typing import Any

    Record = Mapping[str, object]
    Codes = tuple[CodeType, ...]


_CODE_TYPE = type(python_version.__code__)  # types.CodeType, without importing types


# Generated modules are compiled this many characters at a time (whole top-level statements),
# so that compile()'s syntax tree, many times the size of its source, stays small.
COMPILE_CHARS = 400_000
EXPLAIN_MARKER = "\n# explain\n"  # compiler.EXPLAIN_MARKER, without importing the compiler


class CompiledModel:
    """A scoring function generated from one PMML document, plus its metadata.

    Attributes:
        source: the generated module's source; cache it and reload with `load_compiled`.
            `release()` drops it (and the module's code) once it has been stored.
        score: `score(record) -> float`, the probability of the positive class (or the
            predicted value of a regression). Raises InvalidInput when PMML defines no result.
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
        self.from_bytecode = False  # set by load_compiled when cached bytecode was used
        self._explain: Callable[[Record], tuple[float, float, list[float]]] | None = None
        self._meta: dict[str, Any] = namespace["META"]
        self.score: Callable[[Record], float] = namespace["score"]
        self.input_fields: list[dict[str, Any]] = self._meta["inputs"]
        self.input_order = tuple(f["name"] for f in self.input_fields)
        self.input_names = frozenset(self.input_order)
        self.algorithm: str = self._meta["algorithm"]
        self.target: str | None = self._meta["target"]
        self.positive_class: Any = self._meta["positive"]
        self.python_version: str = self._meta["python_version"]
        self.format_version: int = self._meta["format_version"]
        data = self._meta["verification"]
        self.verification_rows = len(data["rows"]) if data is not None else 0

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
        if self._explain_code is None and self._meta.get("explainable") and self.source:
            start = self.source.index(EXPLAIN_MARKER) + len(EXPLAIN_MARKER)
            self._explain_code = _compile_chunks(self.source, start, len(self.source))
        return self._explain_code

    def bytecode(self) -> bytes:
        """The compiled code objects (scoring and explanation), for `load_compiled`.

        Only valid for this Python version and this exact source: both are recorded in it
        and checked when it is loaded. It is code: store it where only the owner can write.
        """
        digest = _check_header(self.source)
        code = self._code or _compile_chunks(self.source, *_score_span(self.source))
        explain = self._compiled_explain()
        interrupt.tick()
        return marshal.dumps((MAGIC, digest, code, explain))

    def release(self) -> None:
        """Drop the source and the module's code, keeping what scores and explains.

        Call it once the source and bytecode are stored: a large ensemble's source is
        several times the size of its scoring code. Afterwards `source` is empty and
        `bytecode()` refuses; `explain()` still works if it had been used or compiled.
        """
        self._compiled_explain()
        self.source = ""
        self._code = None

    def close(self) -> None:
        """Drop everything, functions included: the model cannot score or explain afterwards."""
        self.release()
        self._explain_code = None
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


# importlib.util.MAGIC_NUMBER, without importing importlib.util (and contextlib) to read it.
MAGIC = importlib._bootstrap_external.MAGIC_NUMBER


def load_compiled(source: str, bytecode: bytes | None = None) -> CompiledModel:
    """Load a model from source produced by `compile_pmml(...).source`; no XML is parsed.

    With `bytecode` from `CompiledModel.bytecode()` of the same source and Python version,
    nothing is compiled either; bytecode that does not match is ignored. Only load source or
    bytecode from a place that only the model's owner can write: it is executed.
    """
    digest = _check_header(source)
    code, explain_code = _unmarshal(bytecode, digest) if bytecode else (None, None)
    from_bytecode = code is not None
    if code is None:
        _check_body(source, digest)
        code = _compile_chunks(source, *_score_span(source))
    namespace: dict[str, Any] = dict(runtime.NAMESPACE)
    for chunk in code:
        exec(chunk, namespace)  # noqa: S102 - our own output
    model = CompiledModel(source, namespace, code, explain_code)
    model.from_bytecode = from_bytecode
    return model


def _codes(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(c, _CODE_TYPE) for c in value)


def _unmarshal(bytecode: bytes, digest: str) -> tuple[Codes | None, Codes | None]:
    try:
        magic, made_from, code, explain_code = marshal.loads(bytecode)
    except (EOFError, ValueError, TypeError):
        return None, None
    fits = magic == MAGIC and made_from == digest and _codes(code)
    if not fits or not (explain_code is None or _codes(explain_code)):
        return None, None
    return code, explain_code


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
