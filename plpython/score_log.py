"""What the view churn.score_log shows of a compact row: its features and its reasons.

Since revision 0016 a score-log row keeps its model's inputs packed (log_codec), not the
features and reasons as jsonb. The features are decoded in the model's input order; the
reasons are recomputed with the scorer's own code (rescoring.explain_record, reasons_json) on
the same values, so both are bit for bit what the scorer would have logged.
"""

from __future__ import annotations

from . import db, log_codec, model_cache, rescoring

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .pmml import CompiledModel

MODEL_SHA = "SELECT pmml_sha256 FROM churn.model WHERE model_id = $1"

# model_id -> pmml_sha256: a model's document never changes and a logged model is never
# deleted (churn.model_delete_guard), so the mapping holds for the backend's life.
_sha_of: dict[int, str] = {}


def _model(model_id: int) -> CompiledModel:
    sha = _sha_of.get(model_id)
    if sha is None:
        rows = db.execute(MODEL_SHA, ["bigint"], [model_id])
        if len(rows) == 0:
            raise log_codec.CorruptRecord(
                f"score-log row names model {model_id}, which does not exist; its inputs "
                "cannot be decoded (see churn.model for model ids)"
            )
        sha = _sha_of[model_id] = str(rows[0]["pmml_sha256"])
    return model_cache.compiled(sha)


def logged_features(model_id: int, inputs: bytes) -> str:
    """The features JSON the scorer logged for these packed inputs."""
    model = _model(model_id)
    record = log_codec.decode(model.input_order, inputs)
    return rescoring.features_json(model.input_order, record)


def logged_reasons(model_id: int, inputs: bytes) -> str:
    """The reasons JSON the scorer logged for these packed inputs (recomputed, exact)."""
    model = _model(model_id)
    record = log_codec.decode(model.input_order, inputs)
    _, reasons = rescoring.explain_record(model, record)
    return rescoring.reasons_json(reasons)
