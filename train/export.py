"""Export a fitted `PMMLPipeline` to a PMML document with embedded verification rows."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pgchurn.plpython.pmml import weights
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
    with _quiet_java():
        sklearn2pmml(pipeline, str(path))
    return Path(path).read_text(encoding="utf-8")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as the runtime takes them: plain Python values, None for a missing one."""
    plain = frame.astype(object).where(frame.notna(), None)
    rows: list[dict[str, Any]] = plain.to_dict("records")
    return rows


def add_training_weights(text: str, rows: pd.DataFrame, path: str | Path) -> tuple[str, str]:
    """Write node weights and term means from `rows` into the document (see pmml.weights).

    Our own runtime runs each row through the document's trees and linear terms; every tree
    Node gets the standard `recordCount` of the rows that reached it (replacing a forest's
    bootstrap counts) and every linear term an `<Extension name="trainingMean">`, so that
    explanations start from the mean training margin. Scores do not change. Returns the new
    text and a line saying what was written.
    """
    annotated, tallies = weights.with_weights(text, records(rows))
    Path(path).write_text(annotated, encoding="utf-8")
    return annotated, (
        f"node weights and term means from {tallies.rows} training rows "
        f"({len(tallies.counts)} nodes, {len(tallies.means)} linear terms"
        + (f", {tallies.skipped} rows without a prediction left out)" if tallies.skipped else ")")
    )


@contextmanager
def _quiet_java() -> Iterator[None]:
    """Hide the converter's console banner (Java writes to fd 1/2); replay it if export fails."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            _restore(saved)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            _restore(saved)
            os.close(saved[0])
            os.close(saved[1])


def _restore(saved: tuple[int, int]) -> None:
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
