"""Strict parsing of numbers written in PMML attributes and text.

Python's `float()` accepts underscores, surrounding blanks, `nan` and `infinity`; PMML (XML
Schema `xs:double`) does not accept the first two, and this runtime refuses the others except
where a document may legitimately hold an infinite threshold.
"""

from __future__ import annotations

import math
import re
import struct

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_INFINITIES = {"INF": math.inf, "+INF": math.inf, "-INF": -math.inf}
ABSURD = 1e300
FLOAT32_MAX = 3.4028234663852886e38


def parse_number(text: str) -> float | None:
    """The value of a decimal number or `INF`/`-INF`; None if `text` is not a number.

    `NaN` is not a number here: it can only ever mean trouble in a model's parameters.
    """
    text = text.strip()
    if text in _INFINITIES:
        return _INFINITIES[text]
    if len(text) > 400 or not _NUMBER.match(text):
        return None
    return float(text)


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
