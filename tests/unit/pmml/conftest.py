"""Session fixtures: each pipeline is trained and exported to PMML once per test run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pgchurn.plpython.pmml import CompiledModel, compile_pmml
from pgchurn.train.export import export_pmml
from pgchurn.train.pipelines import KINDS, build_pipeline

from tests.datasets import (
    CATEGORICAL,
    FEATURES,
    NUMERIC,
    TARGET,
    fill_missing,
    messy_churn,
    telecom_churn,
)

# Estimators that cannot take NaN (or whose NaN-trained trees sklearn2pmml cannot export)
# are trained on filled data when there is no SimpleImputer in front of them.
NEEDS_COMPLETE_TRAINING = {"logistic", "gbdt", "tree", "forest"}
DATASETS = ("telecom", "messy")
CASES = [(k, i, d) for k in KINDS for i in (False, True) for d in DATASETS]


@dataclass
class Exported:
    """One trained pipeline, its PMML text, the compiled model and the rows to score."""

    kind: str
    impute: bool
    dataset: str
    pipeline: Any
    pmml: str
    model: CompiledModel
    score_rows: pd.DataFrame

    def __repr__(self) -> str:
        return f"Exported({self.kind}, impute={self.impute}, {self.dataset})"


def _data(dataset: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if dataset == "telecom":
        return telecom_churn(3000, 0), telecom_churn(3000, 10)
    return messy_churn(3000, 1), messy_churn(8000, 11, unseen=True)


def _export(kind: str, impute: bool, dataset: str, out: Path) -> Exported:
    train, score = _data(dataset)
    if not impute and kind in NEEDS_COMPLETE_TRAINING:
        train = fill_missing(train)
    pipeline = build_pipeline(kind, numeric=NUMERIC, categorical=CATEGORICAL, impute=impute)
    pipeline.fit(train[FEATURES], train[TARGET])
    path = out / f"{kind}-{'impute' if impute else 'raw'}-{dataset}.pmml"
    text = export_pmml(pipeline, train[FEATURES].head(50), path)
    return Exported(kind, impute, dataset, pipeline, text, compile_pmml(text), score[FEATURES])


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool, str], Exported]:
    """Every (kind, impute, dataset) case, exported in parallel (sklearn2pmml runs Java)."""
    out = tmp_path_factory.mktemp("pmml")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case: pool.submit(_export, *case, out) for case in CASES}
        return {case: future.result() for case, future in futures.items()}
