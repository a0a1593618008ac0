"""Safe XML parsing with expat: no DOCTYPE, no entities, bounded size and nesting depth.

The parser builds a small tree of `Element` objects. Nothing is ever fetched or read: any
DOCTYPE (and with it every entity declaration, internal or external) is refused before it is
processed, so billion-laughs and external-entity documents cannot expand. Depth is counted in
the expat callbacks, so a deep document never recurses in Python.

Memory stays a small multiple of the document: expat is fed the text in slices, and the
segments of a top-level ensemble (`/PMML/MiningModel/Segmentation/Segment`, the trees of a
forest or boosted model, nearly all of a large document) are not kept. Each is handed to a
`visit` callback once parsed and then dropped; iterating the Segmentation's `Segment`
children later (a `Deferred`) parses the text again and yields one segment at a time.
"""

from __future__ import annotations

from typing import NoReturn
from xml.parsers import expat

from . import interrupt
from .errors import InvalidDocument, UnsafeDocument, at

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import TypeAlias

    # A path is a chain of (parent's path, step) tuples: no string per element, no cycles.
    PathRef: TypeAlias = "tuple[PathRef, str] | None"

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_DEPTH = 200
FEED_CHARS = 1 << 16  # small: a streamed re-parse holds the segments of one slice at once
# Segmentation methods whose segments are independent, so they can be compiled one by one.
STREAMED_METHODS = frozenset(
    {"sum", "average", "weightedAverage", "majorityVote", "weightedMajorityVote"}
)
_NO_ATTRIBUTES: dict[str, str] = {}


class Element:
    """One XML element: tag (namespace prefix stripped), attributes, children, text, path."""

    __slots__ = ("tag", "attrib", "children", "text", "_where", "deferred")

    def __init__(self, tag: str, attrib: dict[str, str], where: PathRef) -> None:
        self.tag = tag
        self.attrib = attrib
        self.children: list[Element] = []
        self.text = ""
        self._where = where
        self.deferred: Deferred | None = None

    @property
    def path(self) -> str:
        """Where the element is, e.g. /PMML/MiningModel/Segmentation/Segment[3]."""
        steps: list[str] = []
        where = self._where
        while where is not None:
            where, step = where
            steps.append(step)
        return "/" + "/".join(reversed(steps))

    def get(self, name: str, default: str | None = None) -> str | None:
        """An attribute's value, or `default`."""
        return self.attrib.get(name, default)

    def find(self, tag: str) -> Element | None:
        """The first child with this tag, or None."""
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[Element]:
        """All children with this tag, in document order."""
        if self.deferred is not None and tag == self.deferred.tag:
            return list(self.deferred)
        return [child for child in self.children if child.tag == tag]

    def each(self, tag: str) -> Iterable[Element]:
        """The children with this tag one by one: deferred ones are parsed again, one at a time."""
        if self.deferred is not None and tag == self.deferred.tag:
            return self.deferred
        return [child for child in self.children if child.tag == tag]


class Deferred:
    """The segments of a streamed Segmentation: each iteration parses the document again."""

    def __init__(self, text: str, limits: tuple[int, int], prepare: Callable[[Element], None]):
        self.tag = "Segment"
        self.text = text
        self.limits = limits
        self.prepare = prepare
        self.weights: list[str] = []  # each segment's weight attribute, in order

    def __len__(self) -> int:
        return len(self.weights)

    def __iter__(self) -> Iterator[Element]:
        ready: list[Element] = []

        def keep(segment: Element) -> None:
            self.prepare(segment)
            ready.append(segment)

        builder = _Builder(self.limits[1], self.text, self.limits, keep, self.prepare)
        for _ in _feed(builder, self.text):
            while ready:
                yield ready.pop(0)


class _Builder:
    """Expat callbacks that build the Element tree and enforce the limits."""

    def __init__(
        self,
        max_depth: int,
        text: str,
        limits: tuple[int, int],
        visit: Callable[[Element], None] | None,
        prepare: Callable[[Element], None] | None,
    ) -> None:
        self.max_depth = max_depth
        self.stack: list[tuple[Element, dict[str, int], list[str]]] = []
        self.root: Element | None = None
        self.text, self.limits = text, limits
        self.visit, self.prepare = visit, prepare
        self.streamed: Element | None = None  # the Segmentation whose segments are dropped

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        interrupt.poll()
        local = tag.split(":", 1)[-1]
        stack = self.stack
        if not stack:
            if self.root is not None:
                raise InvalidDocument(at("/", "more than one root element", "send one PMML"))
            where: PathRef = (None, local)
        else:
            parent, counts, _ = stack[-1]
            n = counts[local] = counts.get(local, 0) + 1
            where = (parent._where, local if n == 1 else f"{local}[{n}]")
        if len(stack) >= self.max_depth:
            raise UnsafeDocument(
                at(
                    Element(local, {}, where).path,
                    f"elements nested deeper than {self.max_depth}",
                    "raise max_depth",
                )
            )
        element = Element(local, attrib or _NO_ATTRIBUTES, where)
        if not stack:
            self.root = element
        elif stack[-1][0] is not self.streamed or local != "Segment":
            stack[-1][0].children.append(element)
        stack.append((element, {}, []))
        if self._streams(element):
            self.streamed = element
            element.deferred = Deferred(self.text, self.limits, self.prepare or _nothing)

    def _streams(self, element: Element) -> bool:
        """True for the Segmentation of a top-level MiningModel with independent segments."""
        return (
            self.visit is not None
            and element.tag == "Segmentation"
            and len(self.stack) == 3
            and self.stack[1][0].tag == "MiningModel"
            and element.get("multipleModelMethod") in STREAMED_METHODS
        )

    def end(self, tag: str) -> None:
        element, _, text = self.stack.pop()
        if text:
            element.text = "".join(text).strip()
        streamed = self.streamed
        if streamed is not None and element.tag == "Segment" and self.stack[-1][0] is streamed:
            streamed.deferred.weights.append(element.get("weight") or "1")  # type: ignore[union-attr]
            self.visit(element)  # type: ignore[misc]

    def data(self, text: str) -> None:
        if self.stack and (text.strip() or self.stack[-1][2]):
            self.stack[-1][2].append(text)


def _nothing(element: Element) -> None:
    """Default `prepare`: use a segment as parsed."""


def _refuse(what: str) -> NoReturn:
    raise UnsafeDocument(
        at("/", f"the document contains {what}", "export it again without DOCTYPE or entities")
    )


def _check_declaration(version: str, encoding: str | None, standalone: int) -> None:
    if encoding is not None and encoding.upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        raise UnsafeDocument(
            at("/", f"XML declaration encoding {encoding!r}", "send the document as UTF-8")
        )


def _parser(builder: _Builder) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = lambda *a: _refuse("a DOCTYPE declaration")
    parser.EntityDeclHandler = lambda *a: _refuse("an ENTITY declaration")
    parser.UnparsedEntityDeclHandler = lambda *a: _refuse("an unparsed ENTITY declaration")
    parser.NotationDeclHandler = lambda *a: _refuse("a NOTATION declaration")
    parser.ExternalEntityRefHandler = lambda *a: _refuse("an external entity reference")
    parser.XmlDeclHandler = _check_declaration
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    return parser


def _feed(builder: _Builder, text: str) -> Iterator[None]:
    """Parse `text` in slices, yielding after each so the caller can take finished elements."""
    parser = _parser(builder)
    try:
        for start in range(0, len(text), FEED_CHARS):
            interrupt.poll()
            parser.Parse(text[start : start + FEED_CHARS], False)
            yield
        parser.Parse("", True)
    except expat.ExpatError as exc:
        raise InvalidDocument(
            at("/", f"not well-formed XML ({exc})", "send a PMML document")
        ) from None
    yield


def utf8_size(text: str) -> int:
    """The document's size in bytes (UTF-8), without copying an ASCII document."""
    if text.isascii():
        return len(text)
    return sum(
        len(text[i : i + FEED_CHARS].encode("utf-8")) for i in range(0, len(text), FEED_CHARS)
    )


def parse(
    text: str | bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    visit: Callable[[Element], None] | None = None,
    prepare: Callable[[Element], None] | None = None,
) -> Element:
    """Parse a document into an Element tree, refusing anything unsafe.

    With `visit`, the segments of a top-level ensemble are not kept: each is passed to
    `visit` once parsed, and the Segmentation's `findall("Segment")` parses them again
    (each passed through `prepare` first).

    Raises:
        UnsafeDocument: DOCTYPE/ENTITY, larger than `max_bytes`, deeper than `max_depth`.
        InvalidDocument: not well-formed XML.

    """
    if not isinstance(text, str):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnsafeDocument(
                at("/", f"the document is not UTF-8 ({exc})", "send UTF-8")
            ) from None
    size = utf8_size(text)
    if size > max_bytes:
        raise UnsafeDocument(
            at(
                "/",
                f"document of {size} bytes exceeds max_bytes={max_bytes}",
                "raise max_bytes if the model is trusted, or train a smaller model",
            )
        )
    builder = _Builder(max_depth, text, (max_bytes, max_depth), visit, prepare)
    for _ in _feed(builder, text):
        pass
    if builder.root is None:
        raise InvalidDocument(at("/", "no root element", "send a PMML document"))
    return builder.root
