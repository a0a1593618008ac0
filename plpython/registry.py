"""churn.register_model: compile, verify inside PostgreSQL, then store; nothing unverified stays."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, NamedTuple

from . import db, errors, models, settings
from .pmml import CompiledModel, PmmlError, compile_pmml, interrupt
from .pmml.xmlsafe import utf8_size

INSERT_MODEL = """
INSERT INTO churn.model (name, pmml, pmml_sha256, algorithm, input_fields, verification_rows,
                         metrics, training_summary, baselines, library_versions, git_commit)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING model_id
"""
INSERT_MODEL_TYPES = [
    "text", "text", "text", "text", "jsonb", "integer",
    "jsonb", "jsonb", "jsonb", "jsonb", "text",
]  # fmt: skip
INSERT_COMPILED = """
INSERT INTO churn.model_compiled (pmml_sha256, runtime_version, python_version, source, compile_ms)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING
"""
STORE_CODE = """
UPDATE churn.model_compiled SET code = $4
 WHERE pmml_sha256 = $1 AND runtime_version = $2 AND python_version = $3
"""
KEY_TYPES = ["text", "text", "text"]
EXISTING = "SELECT model_id FROM churn.model WHERE pmml_sha256 = $1"
AUDIT = "INSERT INTO churn.model_audit (action, model_id) VALUES ('register', $1)"
MAX_MISMATCHES_SHOWN = 5
HASH_CHARS = 1 << 20
# Peak growth of a backend's memory while it registers a document, as a multiple of the
# document's size (measured on forests of 20 and 67 MB; see docs/pmml-runtime.md).
MEMORY_FACTOR = 25

# Parsing, compiling and verifying poll this, so that a cancel (statement_timeout,
# pg_cancel_backend) or pg_terminate_backend acts within a fraction of a second.
interrupt.install(db.check_interrupts)


def register_model(pmml: str | None, name: str | None, meta: dict[str, str | None]) -> int:
    """Check, compile and verify a PMML document, then store it; returns the new model_id.

    Memory is kept to a few times the document: the compiler streams the document, and the
    compiled model is dropped (only its source and bytecode kept) before anything is stored.
    """
    text, label = _checked_args(pmml, name)
    sha = _sha256(text)
    existing = db.execute(EXISTING, ["text"], [sha])
    if len(existing) > 0:
        errors.refuse(
            f"this PMML document is already registered as model {existing[0]['model_id']}",
            hint="activate the existing model instead of registering it again",
        )
    started = time.perf_counter()
    model = _compile(text)
    compile_ms = (time.perf_counter() - started) * 1000.0
    _verify(model)
    described = Described(model.algorithm, model.input_fields, model.verification_rows)
    source, code = model.source, model.bytecode()
    model.close()  # its functions and code objects are no longer needed: free them first
    del model
    model_id = _insert(text, label, sha, described, meta)
    db.execute(AUDIT, ["bigint"], [model_id])
    key = [sha, models.runtime_version(), models.python_version()]
    # One large value per statement: PostgreSQL holds several copies of each while storing.
    db.execute(
        INSERT_COMPILED, [*KEY_TYPES, "text", "double precision"], [*key, source, compile_ms]
    )
    del source
    db.execute(STORE_CODE, [*KEY_TYPES, "bytea"], [*key, code])
    return model_id


class Described(NamedTuple):
    """What churn.model records about a compiled model."""

    algorithm: str
    input_fields: list[dict[str, Any]]
    verification_rows: int


def _sha256(text: str) -> str:
    """The document's SHA-256 (of its UTF-8), hashed in slices rather than one copy."""
    digest = hashlib.sha256()
    for start in range(0, len(text), HASH_CHARS):
        interrupt.tick()
        digest.update(text[start : start + HASH_CHARS].encode("utf-8"))
    return digest.hexdigest()


def _checked_args(pmml: str | None, name: str | None) -> tuple[str, str]:
    if name is None or not name.strip():
        errors.refuse("name must not be empty", hint="pass a name such as 'gbdt-2026-11'")
    if pmml is None or not pmml.strip():
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


def _compile(text: str) -> CompiledModel:
    try:
        return compile_pmml(
            text,
            max_bytes=settings.get_int("max_pmml_bytes"),
            max_depth=settings.get_int("max_pmml_depth"),
        )
    except PmmlError as exc:
        errors.refuse(f"model refused: {exc}")


def _verify(model: CompiledModel) -> None:
    if model.verification_rows == 0:
        errors.refuse(
            "model refused: the PMML has no ModelVerification records to check it against",
            hint="call PMMLPipeline.verify(X_sample) before sklearn2pmml() so that the "
            "document carries its own expected outputs",
        )
    try:
        mismatches = model.verify()
    except PmmlError as exc:
        errors.refuse(f"model refused: verification could not run: {exc}")
    if mismatches:
        shown = "\n".join(str(m) for m in mismatches[:MAX_MISMATCHES_SHOWN])
        errors.refuse(
            f"model refused: {len(mismatches)} of {model.verification_rows} verification rows "
            "do not match the scores computed inside PostgreSQL",
            detail=f"first mismatches:\n{shown}",
            hint="the document uses a construct this runtime scores differently; "
            "report it with the PMML attached",
        )


def _insert(text: str, name: str, sha: str, model: Described, meta: dict[str, Any]) -> int:
    rows = db.execute(
        INSERT_MODEL,
        INSERT_MODEL_TYPES,
        [
            name,
            text,
            sha,
            model.algorithm,
            json.dumps(model.input_fields),
            model.verification_rows,
            meta.get("metrics") or "{}",
            meta.get("training_summary") or "{}",
            meta.get("baselines") or "{}",
            meta.get("library_versions") or "{}",
            meta.get("git_commit"),
        ],
    )
    return int(rows[0]["model_id"])
