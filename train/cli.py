"""The `pgchurn train` command."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from pgchurn.errors import PgchurnError

KINDS = ("logistic", "tree", "forest", "gbdt", "hgb")


def _step(text: str) -> float:
    click.echo(f"• {text}", err=True)
    return time.perf_counter()


def _load(
    ctx: click.Context, csv: Path | None, opts: dict[str, Any]
) -> tuple[Any, Any, dict[str, Any]]:
    from . import dataset

    if csv is not None:
        train, test = dataset.load_csv(csv)
        return train, test, {"source": str(csv)}
    url = ctx.obj.migrated_url()
    reference = opts["reference"] or dataset.latest_event(url)
    plan = dataset.plan_cutoffs(
        reference,
        horizon_days=opts["horizon_days"],
        train_snapshots=opts["train_snapshots"],
        spacing_days=opts["spacing_days"],
    )
    train, test = dataset.load_from_db(url, plan)
    return (
        train,
        test,
        {"source": "database", "reference": reference.isoformat(), **plan.describe()},
    )


def _sample(frame: Any, limit: int) -> Any:
    return frame.sample(n=limit, random_state=0) if len(frame) > limit else frame


def _metrics_table(m: dict[str, Any]) -> Table:
    table = Table(title=f"holdout: {m['rows']} rows, churn rate {m['label_rate']:.3f}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in ("roc_auc", "log_loss", "brier"):
        table.add_row(key, "-" if m[key] is None else f"{m[key]:.4f}")
    return table


def _calibration_table(m: dict[str, Any]) -> Table:
    table = Table(title="calibration (holdout)")
    for col in ("predicted bin", "rows", "mean predicted", "observed churn"):
        table.add_column(col, justify="right")
    for row in m["calibration"]:
        table.add_row(
            row["bin"], str(row["rows"]), f"{row['predicted']:.3f}", f"{row['observed']:.3f}"
        )
    return table


@click.command("train")
@click.option(
    "--model",
    "kind",
    type=click.Choice(KINDS),
    default="gbdt",
    show_default=True,
    help="Estimator: logistic regression, decision tree, random forest (50x depth 8), "
    "gradient boosting (100x depth 3) or histogram gradient boosting.",
)
@click.option(
    "--csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Train from a CSV with the columns of churn.feature_frame plus cutoff and churned.",
)
@click.option(
    "--horizon-days",
    default=90,
    show_default=True,
    help="Label: churned within this many days after the cutoff.",
)
@click.option("--train-snapshots", default=2, show_default=True, help="Number of training cutoffs.")
@click.option(
    "--spacing-days", default=30, show_default=True, help="Days between training cutoffs."
)
@click.option(
    "--reference",
    type=click.DateTime(),
    help="Treat this as 'now' for the cutoffs (default: the latest event).",
)
@click.option(
    "--max-train-rows",
    default=200_000,
    show_default=True,
    help="Subsample training rows above this.",
)
@click.option("--name", help="Model name (default: KIND-timestamp).")
@click.option("--activate", is_flag=True, help="Activate the model once it is registered.")
@click.option(
    "--pmml-out", type=click.Path(dir_okay=False, path_type=Path), help="Also keep the PMML here."
)
@click.pass_context
def train_command(
    ctx: click.Context,
    /,
    kind: str,
    csv: Path | None,
    name: str | None,
    activate: bool,
    pmml_out: Path | None,
    max_train_rows: int,
    **opts: Any,
) -> None:
    """Train a churn model point-in-time, evaluate it on a later cutoff, and register it.

    Features come from churn.feature_frame(cutoff), the same SQL that scores live customers;
    labels say whether the customer churned within --horizon-days after the cutoff. The
    holdout is the latest cutoff. The PMML is registered through churn.register_model, which
    replays its verification rows inside PostgreSQL before it accepts the model.

    \b
    Examples:
      pgchurn train --model gbdt --activate
      pgchurn train --model logistic --csv training.csv --pmml-out lr.pmml
    """
    from . import baselines, trainer

    if opts["reference"] is not None and opts["reference"].tzinfo is None:
        opts["reference"] = opts["reference"].astimezone()
    t = _step(f"loading point-in-time training data ({'CSV' if csv else 'database'})")
    train, test, plan = _load(ctx, csv, opts)
    if train.empty or test.empty:
        raise PgchurnError("no training or holdout rows; seed more history or lower --horizon-days")
    train = _sample(train, max_train_rows)
    click.echo(
        f"  {len(train)} training rows, {len(test)} holdout rows ({time.perf_counter() - t:.1f}s)",
        err=True,
    )
    t = _step(f"fitting {kind}")
    pipeline, holdout, numeric, categorical = trainer.fit_and_evaluate(kind, train, test)
    click.echo(f"  fitted in {time.perf_counter() - t:.1f}s", err=True)
    console = Console(width=120)
    console.print(_metrics_table(holdout))
    console.print(_calibration_table(holdout))
    t = _step("exporting PMML with verification rows (sklearn2pmml)")
    pmml, path = trainer.export(pipeline, train, numeric + categorical, pmml_out)
    click.echo(f"  {len(pmml)} bytes -> {path} ({time.perf_counter() - t:.1f}s)", err=True)
    if csv is not None and ctx.obj.explicit_url is None and not _has_env_url():
        click.echo("trained from CSV; not registered (give --database-url to register)")
        return
    url = ctx.obj.migrated_url()
    scores = pipeline.predict_proba(train[numeric + categorical])[:, 1]
    meta = {
        "metrics": holdout,
        "training_summary": trainer.summarize(train, test, plan)
        | {"numeric_features": numeric, "categorical_features": categorical, "model": kind},
        "baselines": baselines.baselines(train, numeric, categorical, scores),
        "library_versions": trainer.library_versions(),
        "git_commit": trainer.git_commit(Path(__file__).resolve().parent.parent),
    }
    t = _step("registering through churn.register_model (verification gate inside PostgreSQL)")
    model_id = trainer.register(url, pmml, name or trainer.default_name(kind), meta)
    click.echo(f"registered model {model_id} ({time.perf_counter() - t:.1f}s)")
    if activate:
        previous = trainer.activate(url, model_id)
        click.echo(f"activated model {model_id} (previously active: {previous or 'none'})")


def _has_env_url() -> bool:
    import os

    return bool(os.environ.get("PGCHURN_DATABASE_URL"))
