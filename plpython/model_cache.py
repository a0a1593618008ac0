"""Which model scores, and its compiled form, cached per backend by the PMML's sha256.

Which model to use is read from churn.model on every call (one index lookup through a
prepared plan), never remembered by the backend: so `activate` takes effect at once, and a
replica follows its primary. Only the compiled code is cached, keyed by content hash, so a
cached entry can never belong to another model. The compiled code is also kept in
churn.model_compiled (written at registration): the first line of the generated module and its
bytecode, marshalled and compressed chunk by chunk, so that a fresh backend neither parses XML
nor compiles anything. When that bytecode is unusable (damaged, or of another Python), the
backend compiles the PMML document again and stores the result.
"""

from __future__ import annotations

import sys

import plpy

from . import db, errors
from .pmml import CompiledModel, PmmlError, interrupt, load_compiled

MAX_CACHED_MODELS = 8

ACTIVE_MODEL = "SELECT model_id, pmml_sha256 FROM churn.model WHERE status = 'active'"
MODEL_BY_ID = "SELECT model_id, pmml_sha256, status FROM churn.model WHERE model_id = $1"
CACHED_SOURCE = """
SELECT source, code FROM churn.model_compiled
 WHERE pmml_sha256 = $1 AND runtime_version = $2 AND python_version = $3
"""
PMML_BY_SHA = "SELECT pmml FROM churn.model WHERE pmml_sha256 = $1 LIMIT 1"
# Through a VOLATILE function, so that STABLE callers (predict) can fill the cache too.
STORE = "SELECT churn._store_model_code($1, $2, $3, $4, $5)"
STORE_TYPES = ["text", "text", "text", "text", "bytea"]

# Compiling a PMML document (here on a cache miss, or in churn.register_model) polls this, so
# that a cancel or terminate acts within a fraction of a second.
interrupt.install(db.check_interrupts)

# Least recently used first (dicts keep insertion order; a hit re-inserts its entry).
_compiled: dict[str, CompiledModel] = {}


def python_version() -> str:
    """The interpreter version compiled source is valid for."""
    major, minor, micro = sys.version_info[:3]
    return f"{major}.{minor}.{micro}"


def runtime_version() -> str:
    """The installed code version: any code change invalidates cached compiled source."""
    package = sys.modules.get(__package__ or "")
    return str(getattr(package, "CODE_VERSION", "unloaded"))


def resolve(model_id: int | None) -> tuple[int, str]:
    """(model_id, pmml_sha256) of the given model, or of the active one when None."""
    if model_id is None:
        rows = db.execute(ACTIVE_MODEL, [], [])
        if len(rows) == 0:
            errors.not_found(
                "no churn model is active",
                hint="register one with churn.register_model() and run churn.activate_model(id)",
            )
        return int(rows[0]["model_id"]), str(rows[0]["pmml_sha256"])
    rows = db.execute(MODEL_BY_ID, ["bigint"], [model_id])
    if len(rows) == 0:
        errors.not_found(f"model {model_id} does not exist", hint="see churn.model for model ids")
    return int(rows[0]["model_id"]), str(rows[0]["pmml_sha256"])


def compiled(sha: str) -> CompiledModel:
    """The compiled model for a PMML sha256, from this backend's cache when it holds it."""
    model = _compiled.get(sha)
    if model is None:
        model = _load(sha)
        _compiled[sha] = model
        while len(_compiled) > MAX_CACHED_MODELS:
            del _compiled[next(iter(_compiled))]
    elif next(reversed(_compiled)) != sha:
        _compiled[sha] = _compiled.pop(sha)
    return model


def _load(sha: str) -> CompiledModel:
    """Load the cached bytecode, or compile the PMML when the cache has none that is usable.

    Cached code is unusable when it was made by other code or Python versions, or fails its
    own integrity check; the fresh compilation is then cached when the caller may write.
    """
    rows = db.execute(
        CACHED_SOURCE, ["text", "text", "text"], [sha, runtime_version(), python_version()]
    )
    if len(rows) > 0:
        try:
            model = load_compiled(str(rows[0]["source"]), rows[0]["code"])
        except PmmlError:
            plpy.warning(f"cached compiled code of model {sha[:12]} is unusable; recompiling")
        else:
            if not model.from_bytecode:  # a row that holds the whole source, and no bytecode
                first_line = model.source[: model.source.index("\n") + 1]
                _try_to_store(sha, (first_line, model.bytecode()))
            model.release()  # keep only what scores (and the explaining code, compressed)
            return model
    from .pmml.build import build  # the compiler: only on a cache miss

    pmml = db.execute(PMML_BY_SHA, ["text"], [sha])
    built = build(str(pmml[0]["pmml"]))
    del pmml
    code = built.bytecode()
    _try_to_store(sha, (built.header, code))
    model = load_compiled(built.header, code)
    model.release()
    return model


def _try_to_store(sha: str, cached: tuple[str, bytes]) -> None:
    """Cache the module's first line and bytecode for the next backends, if it may write."""
    values = [sha, runtime_version(), python_version(), *cached]
    try:
        with plpy.subtransaction():
            db.execute(STORE, STORE_TYPES, values)
    except plpy.SPIError as exc:
        if errors.is_interrupt(exc):
            raise  # a cancel or terminate must end the statement, not be taken for read-only
        # a read-only transaction or a replica: this backend keeps it in memory only
