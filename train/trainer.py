"""`pgchurn train`: fit, evaluate on a later cutoff, export PMML, register through the gate."""

from __future__ import annotations

import json
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from pgchurn.db import connect

from . import dataset, evaluate, refusals, uplift
from .export import add_training_weights, export_pmml
from .features import Inputs, choose_inputs
from .kinds import DEFAULT_KIND
from .pipelines import build_pipeline, constraints, fit

VERIFY_ROWS = 200
HOLDOUT_FRACTION = 0.25
HOLDOUT_SEED = 0


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
    pipeline: Any = None


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
    kind: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    random_state: int = 0,
    inputs: Inputs | None = None,
) -> tuple[Any, dict[str, Any], list[str], list[str]]:
    """Fit a pipeline on train and return it with holdout metrics on test.

    The inputs are `inputs`, or by default every usable column of train (`choose_inputs`).
    Complaint features are fitted under their directions (`pipelines.fit`).
    """
    chosen = inputs or choose_inputs(train)
    numeric, categorical = chosen.numeric, chosen.categorical
    pipeline = build_pipeline(
        kind, numeric=numeric, categorical=categorical, impute=True, random_state=random_state
    )
    names = chosen.names
    fit(pipeline, train[names], train[dataset.LABEL])
    holdout = evaluate.metrics(test[dataset.LABEL], pipeline.predict_proba(test[names])[:, 1])
    return pipeline, holdout, numeric, categorical


def training_summary(
    kind: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    plan: dict[str, Any],
    numeric: list[str],
    categorical: list[str],
) -> dict[str, Any]:
    """Training-data summary stored with the model.

    Rows, label rates, time range, the label mode and its plan, the model kind and its inputs.
    """
    return {
        "train_rows": int(len(train)),
        "test_rows": int(len(test)),
        "train_label_rate": float(train[dataset.LABEL].mean()),
        "test_label_rate": float(test[dataset.LABEL].mean()),
        "time_range": [str(train[dataset.CUTOFF].min()), str(test[dataset.CUTOFF].max())],
        **plan,
        "inputs": numeric + categorical,
        "numeric_features": numeric,
        "categorical_features": categorical,
        "model": kind,
    }


def model_meta(
    pipeline: Any, train: pd.DataFrame, holdout: dict[str, Any], summary: dict[str, Any]
) -> dict[str, Any]:
    """What register_model stores beside the document.

    That is the metrics, the summary, drift baselines (from `pipeline`'s scores of the training
    rows), library versions and the commit.
    """
    from . import baselines

    numeric, categorical = summary["numeric_features"], summary["categorical_features"]
    scores = pipeline.predict_proba(train[numeric + categorical])[:, 1]
    return {
        "metrics": holdout,
        "training_summary": summary,
        "baselines": baselines.baselines(train, numeric, categorical, scores),
        "library_versions": library_versions(),
        "git_commit": git_commit(Path(__file__).resolve().parent.parent),
    }


def register(url: str, pmml: str, name: str, meta: dict[str, Any]) -> int:
    """Register through churn.register_model, which verifies the document inside PostgreSQL."""
    with connect(url) as conn, conn.cursor() as cur:
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
    return int(model_id)


def activate(url: str, model_id: int) -> int | None:
    """churn.activate_model; returns the previously active model."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT churn.activate_model(%s)", (model_id,))
        (previous,) = cur.fetchone()
    return previous  # type: ignore[no-any-return]


def default_name(kind: str) -> str:
    """A readable, unique-enough model name."""
    return f"{kind}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"


def export(
    pipeline: Any, train: pd.DataFrame, inputs: list[str], out: Path | None
) -> tuple[str, Path, str]:
    """Export with verification rows drawn from the training data, and its node weights."""
    path = out or Path(tempfile.mkdtemp(prefix="pgchurn-train-")) / "model.pmml"
    sample = train[inputs].sample(n=min(VERIFY_ROWS, len(train)), random_state=0)
    text, note = add_training_weights(export_pmml(pipeline, sample, path), train[inputs], path)
    return text, path, note


@dataclass(frozen=True)
class Options:
    """How to train: the estimator, the label mode and its plan, the inputs, the bar."""

    kind: str = DEFAULT_KIND
    horizon_days: int = 90
    train_snapshots: int = 2
    spacing_days: int = 30
    reference: datetime | None = None
    max_train_rows: int = 200_000
    name: str | None = None
    pmml_out: Path | None = None
    snapshot: bool = False
    period_days: int = 30
    exclude: tuple[str, ...] = ()
    min_holdout_churners: int = 50
    oracle_seed: int | None = None


def load(url: str | None, csv: Path | None, opts: Options) -> tuple[Any, Any, dict[str, Any]]:
    """(train, test, plan summary) from the database or a CSV.

    Raises:
        refusals.TrainingRefused: when the data cannot support the label mode.

    """
    if csv is not None:
        train, test = dataset.load_csv(csv)
        refusals.csv_classes(train, test, str(csv))
        return train, test, {"source": str(csv), "label_mode": "csv", "holdout": "latest cutoffs"}
    assert url is not None
    dataset.refuse_shadowing_columns(url)
    reference = opts.reference or dataset.latest_event(url)
    plan: dict[str, Any] = {"source": "database", "reference": reference.isoformat()}
    if opts.snapshot:
        train, test, infinite = load_snapshot(url, reference, opts.period_days, plan)
    else:
        train, test, infinite = load_point_in_time(url, reference, opts, plan)
    unusable = dataset.unusable_rows(url)
    if infinite:
        unusable["feature_rows_with_infinity"] = infinite
    if unusable:
        plan["unusable_rows"] = unusable
    ignored = dataset.ignored_attributes(url)
    if ignored:
        plan["ignored_attributes"] = ignored
    return train, test, plan


def load_point_in_time(
    url: str, reference: datetime, opts: Options, plan: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Features at earlier cutoffs, labels from the horizon after each; holdout: a later cutoff.

    Returns (train, test, rows dropped for an infinite feature); adds the cutoffs to `plan`.
    """
    cutoffs = dataset.plan_cutoffs(
        reference,
        horizon_days=opts.horizon_days,
        train_snapshots=opts.train_snapshots,
        spacing_days=opts.spacing_days,
    )
    plan.update(label_mode="point-in-time", **cutoffs.describe())
    train, test = dataset.load_from_db(url, cutoffs)
    train, bad_train = dataset.drop_non_finite(train)
    test, bad_test = dataset.drop_non_finite(test)
    plan["churned_at"] = dataset.churn_dates(url)
    refusals.point_in_time(train, test, plan)
    return train, test, bad_train + bad_test


def load_snapshot(
    url: str, reference: datetime, period_days: int, plan: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Features now, label churned in the last period; holdout: a stratified random 25%.

    Returns (train, test, rows dropped for an infinite feature); adds the period to `plan`.
    """
    period = timedelta(days=period_days)
    plan.update(
        label_mode="snapshot",
        period_days=period_days,
        period_start=(reference - period).isoformat(),
        holdout=f"stratified random {HOLDOUT_FRACTION:.0%}, seed {HOLDOUT_SEED}",
    )
    frame, bad = dataset.drop_non_finite(dataset.current_snapshot_from_db(url, reference, period))
    plan["churned_at"] = dataset.churn_dates(url)
    refusals.snapshot(frame, plan)
    train, test = dataset.split_holdout(frame, HOLDOUT_FRACTION, HOLDOUT_SEED)
    return train, test, bad


def say_inputs(say: Any, inputs: Inputs, plan: dict[str, Any]) -> None:
    """Tell which inputs the model reads and which columns were left out, and why."""
    say(f"  inputs ({len(inputs.names)}): {', '.join(inputs.names)}")
    if inputs.excluded:
        say(f"  excluded by --exclude: {', '.join(inputs.excluded)}")
    if inputs.all_missing:
        say(f"  dropped, missing in every training row: {', '.join(inputs.all_missing)}")
    if plan.get("ignored_attributes"):
        ignored = ", ".join(plan["ignored_attributes"])
        say(f"  profile columns that are not inputs (churn.profile_attribute): {ignored}")


def honest_answers(url: str | None, opts: Options, test: pd.DataFrame, plan: dict[str, Any],
                   pipeline: Any, holdout: dict[str, Any], numeric: list[str],
                   categorical: list[str], say: Any) -> None:  # fmt: skip
    """Add the uplift of one complaint and, with opts.oracle_seed, the oracle to `holdout`.

    The observed uplift and the oracle need point-in-time training from the database.
    """
    t = time.perf_counter()
    point_in_time = url is not None and plan["label_mode"] == "point-in-time"
    cutoff = datetime.fromisoformat(plan["test_cutoff"]) if point_in_time else None
    holdout["uplift"] = uplift.report(
        pipeline, test, numeric, categorical, url=url if point_in_time else None, cutoff=cutoff
    )
    missing = uplift.not_updated(numeric + categorical)
    if missing:
        holdout["uplift_features_not_updated"] = missing
        say(f"  uplift: no rule for complaint feature(s) {', '.join(missing)}: held constant")
    if opts.oracle_seed is not None:
        from . import against_oracle

        if url is None or cutoff is None:
            raise ValueError("--oracle needs point-in-time training from a seeded database")
        holdout["oracle"] = against_oracle.compare(
            url, test, cutoff, opts.horizon_days, opts.oracle_seed, holdout
        )
    say(f"  uplift{' and oracle' if opts.oracle_seed is not None else ''}"
        f" in {time.perf_counter() - t:.1f}s")  # fmt: skip


def run(url: str | None, opts: Options, *, csv: Path | None = None, register_to: str | None = None,
        activate_it: bool = False, say: Any = print) -> TrainResult:  # fmt: skip
    """Load, fit, evaluate, export and (when register_to is set) register and activate."""
    t = time.perf_counter()
    train, test, plan = load(url, csv, opts)
    if len(train) > opts.max_train_rows:
        train = train.sample(n=opts.max_train_rows, random_state=0)
    took = time.perf_counter() - t
    say(
        f"  {len(train)} training rows, {len(test)} holdout rows,"
        f" {plan['label_mode']} ({took:.1f}s)"
    )
    if plan.get("unusable_rows"):
        say(f"  left out stored rows no model can use: {plan['unusable_rows']}")
    refusals.holdout_churners(test, opts.min_holdout_churners, plan)
    inputs = choose_inputs(train, opts.exclude)
    plan.update(excluded_inputs=inputs.excluded, dropped_inputs_all_missing=inputs.all_missing)
    say_inputs(say, inputs, plan)
    t = time.perf_counter()
    pipeline, holdout, numeric, categorical = fit_and_evaluate(
        opts.kind, train, test, inputs=inputs
    )
    say(f"  fitted {opts.kind} in {time.perf_counter() - t:.1f}s")
    honest_answers(url, opts, test, plan, pipeline, holdout, numeric, categorical, say)
    t = time.perf_counter()
    pmml, path, note = export(pipeline, train, numeric + categorical, opts.pmml_out)
    say(f"  exported {len(pmml)} bytes of PMML to {path} ({time.perf_counter() - t:.1f}s)")
    say(f"  {note}")
    summary = training_summary(opts.kind, train, test, plan, numeric, categorical)
    summary["monotone_constraints"] = constraints(pipeline)
    name = opts.name or default_name(opts.kind)
    result = TrainResult(None, name, holdout, summary, path, extra={"holdout": test})
    result.pipeline = pipeline
    if register_to is None:
        return result
    meta = model_meta(pipeline, train, holdout, summary)
    t = time.perf_counter()
    result.model_id = register(register_to, pmml, name, meta)
    took = time.perf_counter() - t
    say(f"  registered model {result.model_id}, verified inside PostgreSQL ({took:.1f}s)")
    if activate_it:
        result.previous_active = activate(register_to, result.model_id)
        result.activated = True
    return result
