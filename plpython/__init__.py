"""pgchurn's PL/Python package: the code that runs inside PostgreSQL.

Standard library only. Migrations store these modules in `churn.plpython_module`; the SQL
entry points import the package through `churn._load_code()` and call into it. Modules import
each other relatively (`from . import db`) so that the same files work here, under the
versioned package name the loader gives them, and in the unit tests as `pgchurn.plpython`.

Modules that talk to the database (`import plpy`) load on first use, so that the pure ones,
such as the PMML runtime, import anywhere.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing is imported for the type checker only: a cold backend skips it
if TYPE_CHECKING:
    from types import ModuleType


# Set by churn._load_code() to the digest of the installed sources.
CODE_VERSION = "unloaded"

ENTRY_MODULES = (
    "registry",
    "scoring",
    "model_cache",
    "rescoring",
    "explain",
    "metrics",
    "current_baselines",
    "score_log",
)


def __getattr__(name: str) -> ModuleType:
    if name in ENTRY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
