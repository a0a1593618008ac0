"""Strict parsing of numbers written in PMML attributes and text.

Python's `float()` accepts underscores, surrounding blanks, `nan` and `infinity`; PMML (XML
Schema `xs:double`) does not accept the first two, and this runtime refuses the others except
where a document may legitimately hold an infinite threshold.
"""

from __future__ import annotations

import math
import struct

TYPE_CHECKING = False  # the type checker sees re; a cold backend does not import it
if TYPE_CHECKING:
    import re


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z"
_pattern: re.Pattern[str] | None = None  # compiled on first use: importing re costs ~8 ms
_INFINITIES = {"INF": math.inf, "+INF": math.inf, "-INF": -math.inf}
ABSURD = 1e300


def parse_number(text: str) -> float | None:
    """The value of a decimal number or `INF`/`-INF`; None if `text` is not a number.

    `NaN` is not a number here: it can only ever mean trouble in a model's parameters.
    """
    text = text.strip()
    if text in _INFINITIES:
        return _INFINITIES[text]
    if len(text) > 400 or not _number_match(text):
        return None
    return float(text)


def _number_match(text: str) -> bool:
    global _pattern  # noqa: PLW0603 - a lazily built constant
    if _pattern is None:
        import re

        _pattern = re.compile(_NUMBER)
    return _pattern.match(text) is not None


def is_sane(value: float) -> bool:
    """True for a finite number no larger in magnitude than 1e300."""
    return math.isfinite(value) and abs(value) <= ABSURD


def float32(value: float) -> float:
    """Round a double to the nearest float32 (ties to even), as numpy's `astype(float32)`.

    Values that round beyond the float32 range become infinite, as in numpy.
    """
    try:
        return struct.unpack("f", struct.pack("f", value))[0]  # type: ignore[no-any-return]
    except OverflowError:
        return math.copysign(math.inf, value)
