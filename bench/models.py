"""The three benchmark models, trained once point-in-time with the project's own trainer.

Each model is trained by `train.trainer`'s steps (load the point-in-time dataset, fit, export
PMML with verification rows) on the seeded write-path data, and kept in bench/.data/models/<fp>/
as the PMML document the database scores AND the pickled fitted pipeline the REST service and
the scikit-learn baselines use: one fitted model, two serialisations. They are registered in
every template through churn.register_model (the verification gate) and GBDT-100 is activated.
"""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sklearn
from pgchurn.train import trainer

from bench.env import DATA, connect, digest, tree_digest

MODELS = {"LR": "logistic", "RF-50": "forest", "GBDT-100": "gbdt"}
DEFAULT = "GBDT-100"


@dataclass(frozen=True)
class Trained:
    """One trained model: where its PMML and pickle are, and what it reads."""

    label: str
    kind: str
    folder: Path

    @property
    def pmml_path(self) -> Path:
        return self.folder / f"{self.label}.pmml"

    @property
    def pickle_path(self) -> Path:
        return self.folder / f"{self.label}.pkl"

    @property
    def meta_path(self) -> Path:
        return self.folder / f"{self.label}.json"

    def pmml(self) -> str:
        return self.pmml_path.read_text(encoding="utf-8")

    def meta(self) -> dict[str, Any]:
        return json.loads(self.meta_path.read_text(encoding="utf-8"))

    def bundle(self) -> dict[str, Any]:
        """{"pipeline", "numeric", "categorical"}: what the pickle holds."""
        with self.pickle_path.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - our own file, written by train_one

    def complete(self) -> bool:
        return all(p.exists() for p in (self.pmml_path, self.pickle_path, self.meta_path))

    @property
    def db_name(self) -> str:
        return f"bench-{self.label}"


def models_fingerprint(data_fp: str, max_train_rows: int) -> str:
    return digest("models", data_fp, tree_digest("train"), sklearn.__version__, max_train_rows)


def on_disk(fingerprint: str) -> dict[str, Trained]:
    """The three models of a fingerprint; refuses when any file is missing."""
    folder = DATA / "models" / fingerprint
    models = {label: Trained(label, kind, folder) for label, kind in MODELS.items()}
    if not all(m.complete() for m in models.values()):
        raise RuntimeError(f"models {fingerprint} are not in {folder}; rebuild the templates")
    return models


def ensure_trained(
    url: str, fingerprint: str, max_train_rows: int, *, say: Callable[[str], None] = print
) -> dict[str, Trained]:
    """The three models, trained from the database at `url` unless already on disk."""
    folder = DATA / "models" / fingerprint
    models = {label: Trained(label, kind, folder) for label, kind in MODELS.items()}
    missing = [m for m in models.values() if not m.complete()]
    if not missing:
        return models
    folder.mkdir(parents=True, exist_ok=True)
    train, test, plan = trainer.load(url, None, trainer.Options(max_train_rows=max_train_rows))
    if len(train) > max_train_rows:
        train = train.sample(n=max_train_rows, random_state=0)
    for model in missing:
        started = time.perf_counter()
        train_one(model, train, test, plan)
        say(f"  trained {model.label} on {len(train)} rows in {time.perf_counter() - started:.0f}s")
    return models


def train_one(model: Trained, train: Any, test: Any, plan: dict[str, Any]) -> None:
    """Fit, export PMML (with verification rows), pickle the same fitted pipeline, keep meta."""
    pipeline, holdout, numeric, categorical = trainer.fit_and_evaluate(model.kind, train, test)
    trainer.export(pipeline, train, numeric + categorical, model.pmml_path)
    summary = trainer.training_summary(model.kind, train, test, plan, numeric, categorical)
    meta = trainer.model_meta(pipeline, train, holdout, summary)
    with model.pickle_path.open("wb") as fh:
        pickle.dump({"pipeline": pipeline, "numeric": numeric, "categorical": categorical}, fh)
    model.meta_path.write_text(json.dumps(meta, default=str), encoding="utf-8")


def register_all(url: str, models: dict[str, Trained]) -> dict[str, int]:
    """Register every model through churn.register_model; activate the default one."""
    ids = {
        label: trainer.register(url, m.pmml(), m.db_name, m.meta()) for label, m in models.items()
    }
    trainer.activate(url, ids[DEFAULT])
    return ids


def model_ids(url: str) -> dict[str, int]:
    """{label: model_id} of the benchmark models registered in a database."""
    names = {f"bench-{label}": label for label in MODELS}
    with closing(connect(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT name, model_id FROM churn.model WHERE name = ANY(%s)", (list(names),))
        return {names[name]: int(model_id) for name, model_id in cur.fetchall()}


def activate(url: str, model_id: int) -> None:
    trainer.activate(url, model_id)
