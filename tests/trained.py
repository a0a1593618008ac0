"""Models trained in the test session, exported with sklearn2pmml, cached per session.

The feature names are those of churn.feature_frame, so a model trained here can be
activated and score real profiles. Nothing about a score is hard-coded: tests compare the
database with the fitted scikit-learn pipeline returned alongside the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pgchurn.train.export import export_pmml
from pgchurn.train.pipelines import build_pipeline

from tests import datasets

# total_charges is excluded from models trained by `pgchurn train` (it is not point-in-time),
# so the test models leave it out too.
NUMERIC = [c for c in datasets.NUMERIC if c != "total_charges"]
CATEGORICAL = list(datasets.CATEGORICAL)
INPUTS = NUMERIC + CATEGORICAL


@dataclass
class Trained:
    """A fitted pipeline and its PMML document."""

    kind: str
    pipeline: Any
    pmml: str
    train: pd.DataFrame

    def proba(self, frame: pd.DataFrame) -> Any:
        """scikit-learn's probability of churn for each row."""
        return self.pipeline.predict_proba(frame[INPUTS])[:, 1]


def train_and_export(kind: str, out_dir: Path, *, impute: bool = True, seed: int = 0) -> Trained:
    """Fit a pipeline of `kind` on synthetic data and export it with verification rows."""
    frame = (
        datasets.messy_churn(3000, seed)
        if impute
        else datasets.fill_missing(datasets.telecom_churn(3000, seed))
    )
    pipeline = build_pipeline(
        kind, numeric=NUMERIC, categorical=CATEGORICAL, impute=impute, random_state=seed
    )
    pipeline.fit(frame[INPUTS], frame[datasets.TARGET])
    sample = frame[INPUTS].sample(n=100, random_state=seed)
    pmml = export_pmml(pipeline, sample, out_dir / f"{kind}-{int(impute)}-{seed}.pmml")
    return Trained(kind, pipeline, pmml, frame)
