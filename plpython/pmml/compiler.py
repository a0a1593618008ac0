"""From a PMML document to the source of one Python module that scores it."""

from __future__ import annotations

import hashlib
from typing import Any

from . import interrupt
from .codegen import Emitter, Functions, Scope, Sink
from .context import Ctx, Target, binary_target, function_name, output_fields
from .errors import InvalidDocument, UnsupportedElement, at
from .explain import Attribution, NotExplainable, explain_function
from .fields import DataFieldSpec, data_dictionary, mining_schema
from .model_functions import model_function
from .schema import MODELS, check_document, check_subtree
from .transforms import references, transformations
from .values import typed
from .verify import verification_data
from .version import FORMAT_VERSION, HEADER, python_version
from .xmlsafe import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, Element, parse


def _top_model(root: Element) -> Element:
    models = [c for c in root.children if c.tag in MODELS]
    if len(models) != 1:
        raise UnsupportedElement(
            at(root.path, f"{len(models)} top-level models", "export exactly one model")
        )
    return models[0]


def _target(model: Element, name: str | None, dd: dict[str, DataFieldSpec]) -> Target:
    if function_name(model) == "classification":
        return binary_target(dd.get(name or ""), name, model)
    return Target(name, "double")


def _final_models(model: Element) -> list[Element]:
    """The model and, for a modelChain, its last segment's model (whose outputs are final)."""
    found = [model]
    segmentation = model.find("Segmentation")
    while segmentation is not None and segmentation.get("multipleModelMethod") == "modelChain":
        segments = segmentation.findall("Segment")
        last = [c for c in segments[-1].children if c.tag in MODELS] if segments else []
        if not last:
            break
        found.append(last[0])
        segmentation = last[0].find("Segmentation")
    return found


def _outputs(model: Element, target: Target) -> dict[str, tuple[str, Any]]:
    outputs: dict[str, tuple[str, Any]] = {}
    fields = [f for m in _final_models(model) for f in output_fields(m)]
    for name, feature, value in fields:
        if feature == "probability" and value is not None:
            outputs[name] = (feature, typed(value, target.dtype, model, "OutputField value"))
        elif feature == "predictedValue" and function_name(model) == "regression":
            outputs[name] = (feature, None)
    if target.name is not None and function_name(model) == "regression":
        outputs.setdefault(target.name, ("predictedValue", None))
    return outputs


# `score_rows(rows, out)` appends to `out` the score of each row of `rows`, a tuple of the
# input fields' values in META's order, running score's very lines (only the reads differ):
# the same arithmetic, so the same bits. It stops at the first row that raises, leaving the
# scores before it in `out`; `rows` may be an iterator, to go on after it.
ROWS = "score_rows"


def _score_function(
    ctx: Ctx, model: Element, root: Element, dd: dict[str, DataFieldSpec], em: Emitter
) -> tuple[list[dict[str, Any]], Target]:
    """Emit `score(r)` and `score_rows(rows, out)`, which run the same lines (see ROWS)."""
    body = em.child()
    schema = mining_schema(body, model, dd)
    ctx.target = _target(model, schema.target, dd)
    scope: Scope = transformations(
        body, root.find("TransformationDictionary"), schema.scope, ctx.referenced
    )
    body.line(f"p = {model_function(ctx, model, scope, top=True)}")
    body.line("if p != p: raise _nopred('/PMML', 'the result is not a number (NaN)')")
    with em.block("def score(r):"):
        with em.block("try:"):
            em.line("g = r.get")
            em.lines_of(body)
            em.line("return p")
        _reraise(em)
    positional = {at: f"v = t[{i}]" for i, at in enumerate(schema.reads)}
    with em.block(f"def {ROWS}(rows, out):"):
        em.line("append = out.append")
        with em.block("for t in rows:"):
            with em.block("try:"):
                em.lines_of(body, positional)
            _reraise(em)
            em.line("append(p)")
    return schema.inputs, ctx.target


def _explain_function(
    ctx: Ctx,
    model: Element,
    root: Element,
    dd: dict[str, DataFieldSpec],
    attribution: type[Attribution] = Attribution,
) -> Attribution:
    """Send `explain(r) -> (margin, base, contributions)` and its helpers to the sink.

    Raises NotExplainable (having sent part of it, maybe) when the model has no explanation.
    """
    em = ctx.em.child()
    with em.block("def explain(r):"):
        with em.block("try:"):
            em.line("g = r.get")
            schema = mining_schema(em, model, dd)
            scope = transformations(
                em, root.find("TransformationDictionary"), schema.scope, ctx.referenced
            )
            attr = attribution([f["name"] for f in schema.inputs], scope)
            em.line(f"e = {attr.accumulator()}")
            em.line(f"margin, base = {explain_function(ctx, model, scope, attr)}")
            em.line("return margin, base, e")
        _reraise(em)
    ctx.functions.append(em.source())
    return attr


def _reraise(em: Emitter) -> None:
    with em.block("except InvalidInput:"):
        em.line("raise")
    with em.block("except Exception as exc:"):
        em.line("raise InvalidInput(f'cannot score this record: {exc!r}') from None")


EXPLAIN_MARKER = "\n# explain\n"  # the explaining functions follow this line of the module


def emit_module(
    root: Element,
    sink: Sink,
    referenced: set[str] | None = None,
    attribution: type[Attribution] = Attribution,
) -> Attribution | None:
    """Send the generated module for a checked document tree to `sink`, piece by piece.

    `referenced` adds the fields read by segments that the tree does not hold (streamed).
    The module is the scoring code (its helper functions, `score`, then `META`), then
    EXPLAIN_MARKER and the explaining code, if the model has an explanation. No piece is
    larger than a helper function (about codegen.PART_CHARS) or a single tree's function.
    `attribution` (explain.Tally) replaces the explanation by another use of its code paths;
    returns it, or None when the model has no explanation.
    """
    check_document(root)
    dd = data_dictionary(root)
    model = _top_model(root)
    em = Emitter()
    functions = Functions(sink, em.constants)
    ctx = Ctx(em, references(root) | (referenced or set()), Target(None), functions)
    score_em = em.child()
    inputs, target = _score_function(ctx, model, root, dd, score_em)
    functions.append(score_em.source())
    meta = {
        "format_version": FORMAT_VERSION,
        "python_version": python_version(),
        "algorithm": f"{model.tag}/{function_name(model)}",
        "target": target.name,
        "positive": target.positive,
        "inputs": inputs,
        "outputs": _outputs(model, target),
        "verification": verification_data(model),
    }
    sink.piece(f"META = {meta!r}\n")
    sink.explaining()
    try:
        attr = _explain_function(ctx, model, root, dd, attribution)
        functions.flush()
    except NotExplainable:
        em.constants.clear()
        sink.not_explainable()
        return None
    return attr


def header(digest: str) -> str:
    """The module's first line: format, Python major.minor and the SHA-256 of the rest."""
    return f"{HEADER} v{FORMAT_VERSION} python{python_version()} sha256={digest}\n"


class SourceSink(Sink):
    """Collects the pieces into the whole module's source."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.explain_at: int | None = None

    def piece(self, text: str, part: str | None = None) -> None:
        """Keep the piece."""
        interrupt.poll()
        self.pieces.append(text)

    def explaining(self) -> None:
        """Add the marker line."""
        self.pieces.append(EXPLAIN_MARKER)
        self.explain_at = len(self.pieces)

    def not_explainable(self) -> None:
        """Drop the explaining pieces, keeping the marker."""
        del self.pieces[self.explain_at :]

    def source(self) -> str:
        """The module: the header line, then the pieces."""
        digest = hashlib.sha256()
        for piece in self.pieces:
            interrupt.poll()
            digest.update(piece.encode("utf-8"))
        self.pieces.insert(0, header(digest.hexdigest()))
        return "".join(self.pieces)


def generate(root: Element, referenced: set[str] | None = None) -> str:
    """The generated module's source for a checked document tree (see emit_module)."""
    sink = SourceSink()
    emit_module(root, sink, referenced)
    return sink.source()


def parse_checked(
    text: str | bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> tuple[Element, set[str]]:
    """Parse safely, streaming the segments of an ensemble; the root and the fields they read."""
    referenced: set[str] = set()

    def visit(segment: Element) -> None:
        check_subtree(segment)
        referenced.update(references(segment))

    root = parse(text, max_bytes=max_bytes, max_depth=max_depth, visit=visit, prepare=check_subtree)
    return root, referenced


def emit_from_text(
    text: str | bytes,
    sink: Sink,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Attribution | None:
    """Parse safely, check, and send the generated module to `sink` (see emit_module)."""
    root, referenced = parse_checked(text, max_bytes=max_bytes, max_depth=max_depth)
    try:
        return emit_module(root, sink, referenced)
    except RecursionError:
        raise InvalidDocument(
            at(
                "/PMML",
                "the model is too deeply nested to compile",
                "lower max_depth or use shallower trees",
            )
        ) from None


def generate_from_text(
    text: str | bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> str:
    """Parse safely (streaming the segments of an ensemble), check, and generate the source."""
    sink = SourceSink()
    emit_from_text(text, sink, max_bytes=max_bytes, max_depth=max_depth)
    return sink.source()
