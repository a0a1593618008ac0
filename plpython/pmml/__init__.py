"""A pure-Python, standard-library-only PMML 4.4 runtime for documents from sklearn2pmml.

`compile_pmml(text)` parses a document safely, refuses whatever it cannot score exactly, and
generates one Python module per document; `CompiledModel.source` can be cached and reloaded
with `load_compiled(source)` without touching XML. See docs/pmml-runtime.md.
"""

from __future__ import annotations

from .compiled_model import CompiledModel, compile_pmml, load_compiled
from .errors import (
    InvalidDocument,
    InvalidInput,
    NoPrediction,
    PmmlError,
    UnsafeDocument,
    UnsupportedElement,
)
from .version import FORMAT_VERSION

__all__ = [
    "FORMAT_VERSION",
    "CompiledModel",
    "InvalidDocument",
    "InvalidInput",
    "NoPrediction",
    "PmmlError",
    "UnsafeDocument",
    "UnsupportedElement",
    "compile_pmml",
    "load_compiled",
]
