"""The version stamp of generated modules, kept apart so that loading cached code is light."""

from __future__ import annotations

import sys

FORMAT_VERSION = 3  # 3: META after the scoring code; bytecode stored zlib-compressed per chunk
# 2: explaining code after a marker line, compiled in chunks
HEADER = "# pgchurn PMML runtime: generated scoring module"


def python_version() -> str:
    """major.minor of the running interpreter, as recorded in generated modules."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"
