"""Export a fitted `PMMLPipeline` to a PMML document with embedded verification rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn2pmml import sklearn2pmml

TARGET = "churned"


def export_pmml(pipeline: Any, X_sample: Any, path: str | Path) -> str:
    """Embed verification rows for `X_sample`, write the PMML document and return its text.

    The target field is always named `churned`, whatever the label was called at fit time.

    Args:
        pipeline: a fitted `sklearn2pmml.pipeline.PMMLPipeline`.
        X_sample: a DataFrame with the pipeline's input columns; its rows and the pipeline's
            own predictions become the document's `ModelVerification`.
        path: where to write the document.

    Returns:
        The PMML document as text.

    """
    pipeline.target_fields = np.asarray([TARGET])
    pipeline.verify(X_sample)
    sklearn2pmml(pipeline, str(path))
    return Path(path).read_text(encoding="utf-8")
