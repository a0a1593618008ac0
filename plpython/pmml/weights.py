"""Node weights and term means from training rows, written into the document as standard PMML.

Explanations measure contributions from the expected value over the training data
(`explain.py`). sklearn2pmml writes no `recordCount` on the nodes of boosted trees, nor the
means of a regression's terms, so `pgchurn train` (and `pgchurn models register`) run the
training rows through the document with this runtime and write them in:

* `recordCount` on every tree `Node`: how many rows reached it (PMML's own attribute);
* `<Extension extender="pgchurn" name="trainingMean" value="..."/>` as the first child of
  each `NumericPredictor` and `CategoricalPredictor`: the mean of the term's value (PMML
  has no standard place for it; Extension is PMML's place for additions).

Neither changes a score: the runtime, JPMML and sklearn2pmml ignore both when scoring.
Runs outside the database only (it imports `xml.etree` to rewrite the document).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .compiled_model import load_compiled
from .compiler import emit_module, parse_checked
from .errors import InvalidInput, PmmlError
from .explain import MEAN_EXTENSION, Tally

TYPE_CHECKING = False
if TYPE_CHECKING:
    from xml.etree.ElementTree import Element as XmlElement

PMML_NAMESPACE = "http://www.dmg.org/PMML-4_4"


@dataclass
class Tallies:
    """Rows that reached each node (by element path) and each linear term's mean."""

    rows: int = 0
    skipped: int = 0  # rows without a prediction (missing values the model refuses)
    counts: dict[str, float] = field(default_factory=dict)
    means: dict[str, float] = field(default_factory=dict)


def needs_weights(text: str) -> bool:
    """Whether some tree leaf lacks a recordCount or some linear term lacks its mean."""
    from .compiler import SourceSink

    root, referenced = parse_checked(text)
    attr = emit_module(root, SourceSink(), referenced)
    return attr is not None and not (attr.weighted and attr.centred)


def tally(text: str, rows: Iterable[Mapping[str, object]]) -> Tallies:
    """Run `rows` through the document's trees and terms; PmmlError if it has no explanation."""
    from .compiler import SourceSink

    root, referenced = parse_checked(text)
    sink = SourceSink()
    attr = emit_module(root, sink, referenced, Tally)
    if not isinstance(attr, Tally):
        raise PmmlError("this model shape has no explanation, so it needs no weights")
    run: Any = load_compiled(sink.source())._load_explain()  # returns e as a dict here
    sums = [0.0] * len(attr.keys)
    out = Tallies()
    for row in rows:
        try:
            _, _, e = run(row)
        except InvalidInput:
            out.skipped += 1
            continue
        out.rows += 1
        for key, value in e.items():
            sums[key] += value
    for (kind, path), total in zip(attr.keys, sums, strict=True):
        if kind == "node":
            out.counts[path] = total
        elif out.rows:
            out.means[path] = total / out.rows
    return out


def annotate(text: str, tallies: Tallies) -> str:
    """The document with recordCount on every counted Node and each term's training mean."""
    import xml.etree.ElementTree as ET  # noqa: N817 - outside the server only

    ET.register_namespace("", PMML_NAMESPACE)
    ET.register_namespace("data", "http://jpmml.org/jpmml-model/InlineTable")
    root = ET.fromstring(text)  # noqa: S314 - parse_checked refused DOCTYPE and entities first
    for path, element in _paths(root):
        tag = _local(element.tag)
        if tag == "Node" and path in tallies.counts:
            element.set("recordCount", _count(tallies.counts[path]))
        elif tag in ("NumericPredictor", "CategoricalPredictor") and path in tallies.means:
            for old in [c for c in element if _local(c.tag) == "Extension"]:
                if old.get("name") == MEAN_EXTENSION:
                    element.remove(old)
            mean = ET.Element(f"{{{PMML_NAMESPACE}}}Extension")
            mean.attrib.update(
                extender="pgchurn", name=MEAN_EXTENSION, value=repr(tallies.means[path])
            )
            element.insert(0, mean)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + "\n"


def with_weights(text: str, rows: Iterable[Mapping[str, object]]) -> tuple[str, Tallies]:
    """`annotate(text, tally(text, rows))`, refusing when no row could be run through it."""
    tallies = tally(text, rows)
    if tallies.rows == 0:
        raise PmmlError(
            f"none of the {tallies.skipped} rows has a prediction, so no node weights "
            "could be computed; give rows the model can score"
        )
    return annotate(text, tallies), tallies


def _count(value: float) -> str:
    return str(int(value)) if value == math.floor(value) else repr(value)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _paths(root: XmlElement) -> Iterable[tuple[str, XmlElement]]:
    """(path, element) in the runtime's notation: /PMML/.../Node[2] (1-based, per tag)."""
    pending = [("/" + _local(root.tag), root)]
    while pending:
        path, element = pending.pop()
        yield path, element
        seen: dict[str, int] = {}
        for child in element:
            if not isinstance(child.tag, str):
                continue  # comments, processing instructions
            tag = _local(child.tag)
            n = seen[tag] = seen.get(tag, 0) + 1
            pending.append((f"{path}/{tag}" if n == 1 else f"{path}/{tag}[{n}]", child))
