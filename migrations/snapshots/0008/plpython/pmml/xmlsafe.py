"""Safe XML parsing with expat: no DOCTYPE, no entities, bounded size and nesting depth.

The parser builds a small tree of `Element` objects. Nothing is ever fetched or read: any
DOCTYPE (and with it every entity declaration, internal or external) is refused before it is
processed, so billion-laughs and external-entity documents cannot expand. Depth is counted in
the expat callbacks, so a deep document never recurses in Python.
"""

from __future__ import annotations

from typing import NoReturn
from xml.parsers import expat

from .errors import InvalidDocument, UnsafeDocument, at

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_DEPTH = 200


class Element:
    """One XML element: tag (namespace prefix stripped), attributes, children, text, path."""

    __slots__ = ("tag", "attrib", "children", "text", "path")

    def __init__(self, tag: str, attrib: dict[str, str], path: str) -> None:
        self.tag = tag
        self.attrib = attrib
        self.children: list[Element] = []
        self.text = ""
        self.path = path

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
        return [child for child in self.children if child.tag == tag]


class _Builder:
    """Expat callbacks that build the Element tree and enforce the limits."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.stack: list[tuple[Element, dict[str, int], list[str]]] = []
        self.root: Element | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        local = tag.split(":", 1)[-1]
        if not self.stack:
            if self.root is not None:
                raise InvalidDocument(at("/", "more than one root element", "send one PMML"))
            path = "/" + local
        else:
            parent, counts, _ = self.stack[-1]
            counts[local] = counts.get(local, 0) + 1
            n = counts[local]
            path = f"{parent.path}/{local}" + (f"[{n}]" if n > 1 else "")
        if len(self.stack) >= self.max_depth:
            raise UnsafeDocument(
                at(path, f"elements nested deeper than {self.max_depth}", "raise max_depth")
            )
        element = Element(local, attrib, path)
        if self.stack:
            self.stack[-1][0].children.append(element)
        else:
            self.root = element
        self.stack.append((element, {}, []))

    def end(self, tag: str) -> None:
        element, _, text = self.stack.pop()
        if text:
            element.text = "".join(text).strip()

    def data(self, text: str) -> None:
        if self.stack and (text.strip() or self.stack[-1][2]):
            self.stack[-1][2].append(text)


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


def parse(
    text: str | bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Element:
    """Parse a document into an Element tree, refusing anything unsafe.

    Raises:
        UnsafeDocument: DOCTYPE/ENTITY, larger than `max_bytes`, deeper than `max_depth`.
        InvalidDocument: not well-formed XML.

    """
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if len(data) > max_bytes:
        raise UnsafeDocument(
            at(
                "/",
                f"document of {len(data)} bytes exceeds max_bytes={max_bytes}",
                "raise max_bytes if the model is trusted, or train a smaller model",
            )
        )
    builder = _Builder(max_depth)
    try:
        _parser(builder).Parse(data, True)
    except expat.ExpatError as exc:
        raise InvalidDocument(
            at("/", f"not well-formed XML ({exc})", "send a PMML document")
        ) from None
    if builder.root is None:
        raise InvalidDocument(at("/", "no root element", "send a PMML document"))
    return builder.root
