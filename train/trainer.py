"""`pgchurn train`: fit, evaluate on a later cutoff, export PMML, register through the gate."""

from __future__ import annotations

import json
import platform
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg2

from . import dataset, evaluate
from .export import export_pmml
from .pipelines import build_pipeline

VERIFY_ROWS = 200
MODEL_KINDS = {
    "logistic": "logistic",
    "tree": "tree",
    "forest": "forest",
    "gbdt": "gbdt",
    "hgb": "hgb",
}


@dataclass
class TrainResult:
    """What a training run produced."""

    model_id: int | None
    name: str
    metrics: dict[str, Any]
    summary: dict[str, Any]
    pmml_path: Path
    activated: bool = False
    previous_active: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def library_versions() -> dict[str, str]:
    """Versions of what produced the model."""
    versions = {"python": platform.python_version()}
    for dist in ("scikit-learn", "sklearn2pmml", "pandas", "numpy", "pgchurn"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "absent"
    return versions


def git_commit(root: Path) -> str | None:
    """The checkout's commit, when it is a git checkout."""
    proc = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def fit_and_evaluate(
    kind: str, train: pd.DataFrame, test: pd.DataFrame, *, random_state: int = 0
) -> tuple[Any, dict[str, Any], list[str], list[str]]:
    """Fit a pipeline on train and return it with holdout metrics on test."""
    numeric, categorical = dataset.feature_columns(train)
    pipeline = build_pipeline(
        kind, numeric=numeric, categorical=categorical, impute=True, random_state=random_state
    )
    inputs = numeric + categorical
    pipeline.fit(train[inputs], train[dataset.LABEL])
    holdout = evaluate.metrics(test[dataset.LABEL], pipeline.predict_proba(test[inputs])[:, 1])
    return pipeline, holdout, numeric, categorical


def summarize(train: pd.DataFrame, test: pd.DataFrame, plan: dict[str, Any]) -> dict[str, Any]:
    """Training-data summary stored with the model."""
    return {
        "train_rows": int(len(train)),
        "test_rows": int(len(test)),
        "train_label_rate": float(train[dataset.LABEL].mean()),
        "test_label_rate": float(test[dataset.LABEL].mean()),
        "time_range": [str(train[dataset.CUTOFF].min()), str(test[dataset.CUTOFF].max())],
        **plan,
    }


def register(url: str, pmml: str, name: str, meta: dict[str, Any]) -> int:
    """Register through churn.register_model, which verifies the document inside PostgreSQL."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT churn.register_model(%s, %s, %s, %s, %s, %s, %s)",
            (
                pmml,
                name,
                json.dumps(meta["metrics"]),
                json.dumps(meta["training_summary"]),
                json.dumps(meta["baselines"]),
                json.dumps(meta["library_versions"]),
                meta["git_commit"],
            ),
        )
        (model_id,) = cur.fetchone()
    conn.close()
    return int(model_id)


def activate(url: str, model_id: int) -> int | None:
    """churn.activate_model; returns the previously active model."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT churn.activate_model(%s)", (model_id,))
        (previous,) = cur.fetchone()
    conn.close()
    return previous  # type: ignore[no-any-return]


def default_name(kind: str) -> str:
    """A readable, unique-enough model name."""
    return f"{kind}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"


def export(
    pipeline: Any, train: pd.DataFrame, inputs: list[str], out: Path | None
) -> tuple[str, Path]:
    """Export with verification rows drawn from the training data."""
    path = out or Path(tempfile.mkdtemp(prefix="pgchurn-train-")) / "model.pmml"
    sample = train[inputs].sample(n=min(VERIFY_ROWS, len(train)), random_state=0)
    return export_pmml(pipeline, sample, path), path
