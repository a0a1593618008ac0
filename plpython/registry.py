"""churn.register_model: compile, verify inside PostgreSQL, then store; nothing unverified stays.

churn.register_model (PL/pgSQL, sql/functions/register_model.sql) calls
churn._compile_for_registration, which is `compile_for_registration` here: it checks,
compiles and verifies the document and returns what to store. Only when every verification
row matches does the caller insert the model, its audit row and its compiled code, in that
statement: the document is stored from the SQL argument, never converted back from Python.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from . import db, errors, model_cache, settings
from .pmml import PmmlError, interrupt
from .pmml.build import Built, Checked, build, check
from .pmml.xmlsafe import utf8_size

EXISTING = "SELECT model_id FROM churn.model WHERE pmml_sha256 = $1"
MAX_MISMATCHES_SHOWN = 5
HASH_CHARS = 1 << 20
# Peak growth of a backend's memory while it registers a document, as a multiple of the
# document's size, rounded up (measured: 7.1x for a 14 MB forest; see docs/pmml-runtime.md).
MEMORY_FACTOR = 10
UNWEIGHTED = (
    "the document has no node weights (recordCount) or term means from training, so "
    "churn.explain measures contributions from the unweighted mean of the leaves (and from 0 "
    "for linear terms); register it with `pgchurn models register FILE.pmml`, which adds "
    "them from the current customers, or train it with `pgchurn train`"
)

# Parsing, compiling and verifying poll this, so that a cancel (statement_timeout,
# pg_cancel_backend) or pg_terminate_backend acts within a fraction of a second.
interrupt.install(db.check_interrupts)


def compile_for_registration(args: list[Any]) -> dict[str, Any]:
    """Check, compile and verify a PMML document; returns what churn.register_model stores.

    `args` is PL/Python's argument list, [pmml, name]: the document is taken out of it, so
    that its Python copy is freed as soon as the code is generated. The code is kept only in
    compressed chunks, and verified one helper function at a time (pmml.build), so memory stays
    within a few times the document on top of PostgreSQL's own copies of the argument.
    """
    text, label = _checked_args(args[0], args[1])
    args[0] = None
    sha = _sha256(text)
    existing = db.execute(EXISTING, ["text"], [sha])
    if len(existing) > 0:
        errors.refuse(
            f"this PMML document is already registered as model {existing[0]['model_id']}",
            hint="activate the existing model instead of registering it again",
        )
    started = time.perf_counter()
    built = _build(text)
    compile_ms = (time.perf_counter() - started) * 1000.0
    del text  # the last reference: PL/Python's argument list no longer holds it
    checked = _verify(built)
    _release_freed_memory()
    if built.reference == "unweighted":
        errors.notice(UNWEIGHTED)
    return {
        "pmml_sha256": sha,
        "name": label,
        "algorithm": checked.meta["algorithm"],
        "input_fields": json.dumps(checked.meta["inputs"]),
        "verification_rows": checked.verification_rows,
        "runtime_version": model_cache.runtime_version(),
        "python_version": model_cache.python_version(),
        "source": built.header,
        "code": built.bytecode(),
        "compile_ms": compile_ms,
    }


def _release_freed_memory() -> None:
    """Give the memory that compiling freed back to the OS before PostgreSQL stores anything.

    The C library keeps freed memory for reuse, so the backend's size would stay at its
    compiling peak while PostgreSQL copies the document into the new row. glibc's
    malloc_trim() returns it (some 30 MB for a 14 MB forest); elsewhere this does nothing.
    """
    import ctypes  # only registration needs it

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc


def _sha256(text: str) -> str:
    """The document's SHA-256 (of its UTF-8), hashed in slices rather than one copy."""
    digest = hashlib.sha256()
    for start in range(0, len(text), HASH_CHARS):
        interrupt.tick()
        digest.update(text[start : start + HASH_CHARS].encode("utf-8"))
    return digest.hexdigest()


def _checked_args(pmml: str | None, name: str | None) -> tuple[str, str]:
    if name is None or not name or name.isspace():
        errors.refuse("name must not be empty", hint="pass a name such as 'gbdt-2026-11'")
    if pmml is None or not pmml or pmml.isspace():  # isspace(): strip() would copy it
        errors.refuse("pmml must not be empty", hint="pass the document sklearn2pmml wrote")
    limit = settings.get_int("max_pmml_bytes")
    size = utf8_size(pmml)
    if size > limit:
        errors.refuse(
            f"PMML document is {size} bytes, over the limit of {limit} bytes "
            f"(registration needs up to about {MEMORY_FACTOR} x the document's size in "
            "server memory)",
            hint="raise churn.setting 'max_pmml_bytes' if the model is genuine and the server "
            f"has about {MEMORY_FACTOR} x {size} bytes of memory to spare per registration, "
            "or train a smaller model (fewer or shallower trees)",
        )
    return pmml, name.strip()


def _build(text: str) -> Built:
    try:
        return build(
            text,
            max_bytes=settings.get_int("max_pmml_bytes"),
            max_depth=settings.get_int("max_pmml_depth"),
        )
    except PmmlError as exc:
        errors.refuse(f"model refused: {exc}")


def _verify(built: Built) -> Checked:
    try:
        checked = check(built)
    except PmmlError as exc:
        errors.refuse(f"model refused: verification could not run: {exc}")
    if checked.verification_rows == 0:
        errors.refuse(
            "model refused: the PMML has no ModelVerification records to check it against",
            hint="call PMMLPipeline.verify(X_sample) before sklearn2pmml() so that the "
            "document carries its own expected outputs",
        )
    if checked.mismatches:
        mismatches = checked.mismatches
        shown = "\n".join(str(m) for m in mismatches[:MAX_MISMATCHES_SHOWN])
        errors.refuse(
            f"model refused: {len(mismatches)} of {checked.verification_rows} verification rows "
            "do not match the scores computed inside PostgreSQL",
            detail=f"first mismatches:\n{shown}",
            hint="the document uses a construct this runtime scores differently; "
            "report it with the PMML attached",
        )
    return checked
