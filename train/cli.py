"""The `pgchurn train` command."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from pgchurn.errors import PgchurnError
from pgchurn.rescore_cli import NO_RESCORE, after_model_change

from .kinds import DEFAULT_KIND

KINDS = ("logistic", "tree", "forest", "gbdt", "hgb")


def metrics_table(m: dict[str, Any]) -> Table:
    """Holdout metrics as a rich table (with the oracle's beside them, when there is one)."""
    table = Table(title=f"holdout: {m['rows']} rows, churn rate {m['label_rate']:.3f}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    oracle = m.get("oracle")
    if oracle:
        table.add_column(f"oracle (seed {oracle['seed']})", justify="right")
    for key in ("roc_auc", "log_loss", "brier", "ece"):
        if key not in m:
            continue
        cells = ["-" if m[key] is None else f"{m[key]:.4f}"]
        if oracle:
            cells.append(f"{oracle[key]:.4f}" if oracle.get(key) is not None else "")
        table.add_row(key, *cells)
    if oracle and oracle.get("lift_ratio") is not None:
        table.add_row("(AUC - 0.5) / (oracle AUC - 0.5)", f"{oracle['lift_ratio']:.3f}", "")
    return table


def calibration_table(m: dict[str, Any]) -> Table:
    """Reliability table: predicted against observed churn per decile of the predictions."""
    ece = m.get("ece")
    title = "reliability (holdout, deciles of the prediction)"
    table = Table(title=title + ("" if ece is None else f", ECE {ece:.4f}"))
    for col in ("predicted range", "rows", "mean predicted", "observed churn"):
        table.add_column(col, justify="right")
    for row in m["calibration"]:
        cells = (row["bin"], str(row["rows"]), f"{row['predicted']:.3f}", f"{row['observed']:.3f}")
        table.add_row(*cells)
    return table


def uplift_table(m: dict[str, Any]) -> Table:
    """Uplift of one complaint per severity band: predicted, observed and (oracle) true."""
    table = Table(title="uplift of one complaint at the cutoff (holdout, mean change in P(churn))")
    cols = ("severity", "predicted", "median", "lowered", "observed", "treated", "true", "ok")
    for col in cols:
        table.add_column(col, justify="right")

    def num(v: Any, fmt: str = "{:+.4f}") -> str:
        return "-" if v is None else fmt.format(v)

    for row in m.get("uplift", []):
        cells = (
            row["band"],
            num(row["predicted"]),
            num(row["predicted_median"]),
            num(row["lowered_share"], "{:.1%}"),
            num(row.get("observed")),
            num(row.get("treated"), "{}"),
            num(row.get("true")),
            {True: "yes", False: "no", None: "-"}[row.get("within_tolerance")],
        )
        table.add_row(*cells)
    return table


def threshold_line(m: dict[str, Any]) -> str:
    """How the holdout chose notify_threshold."""
    target = f"precision >= {m['notify_target_precision']:.3f}"
    if m.get("notify_threshold") is None:
        return f"notify_threshold: no score reaches {target} on the holdout; 'auto' uses 0.5"
    return (
        f"notify_threshold {m['notify_threshold']:.4f}: the lowest score with holdout {target}"
        f" ({m['notify_flagged']} customers at or above it, precision"
        f" {m['notify_precision']:.3f}, recall {m['notify_recall']:.3f})"
    )


POINT_IN_TIME_OPTIONS = ("horizon_days", "train_snapshots", "spacing_days")


def refuse_mixed_modes(ctx: click.Context, *, csv: Path | None, snapshot: bool) -> None:
    """Refuse options of one label mode given with another: they would be silently ignored."""

    def given(name: str) -> bool:
        return ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT

    if snapshot and csv is not None:
        raise PgchurnError("--snapshot reads the database; a --csv brings its own labels: drop one")
    if snapshot and any(given(n) for n in POINT_IN_TIME_OPTIONS):
        flags = ", ".join("--" + n.replace("_", "-") for n in POINT_IN_TIME_OPTIONS if given(n))
        raise PgchurnError(f"{flags}: point-in-time options, not used with --snapshot")
    if not snapshot and given("period_days"):
        raise PgchurnError("--period-days applies to --snapshot only")


@click.command("train")
@click.option(
    "--model",
    "kind",
    type=click.Choice(KINDS),
    default=DEFAULT_KIND,
    show_default=True,
    help="logistic regression, decision tree, random forest (50 trees, depth 8), "
    "gradient boosting (100 histogram-boosted trees, depth 3) or histogram gradient boosting; "
    "every kind is fitted so that a complaint never lowers a score.",
)
@click.option(
    "--csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Train from a CSV of feature columns (attributes one column each, or as JSON in "
    "`attributes`) plus cutoff and churned.",
)
@click.option(
    "--snapshot",
    is_flag=True,
    help="Train on the current snapshot: features now, label churned in the last "
    "--period-days; holdout a stratified random 25%. For data whose churners are marked "
    "but whose history is not.",
)
@click.option(
    "--period-days",
    default=30,
    show_default=True,
    help="With --snapshot: the label is churned_at within this many days before the reference.",
)
@click.option(
    "--horizon-days",
    default=90,
    show_default=True,
    help="Label: churned within this many days after the cutoff.",
)
@click.option("--train-snapshots", default=2, show_default=True, help="Training cutoffs.")
@click.option("--spacing-days", default=30, show_default=True, help="Days between them.")
@click.option(
    "--reference",
    type=click.DateTime(),
    help="Treat this time as 'now' for the cutoffs [default: the latest event].",
)
@click.option(
    "--max-train-rows",
    default=200_000,
    show_default=True,
    help="Subsample the training rows above this.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="COLUMN",
    help="Keep this column out of the model inputs (repeatable); see also churn.ignored_attribute.",
)
@click.option(
    "--min-holdout-churners",
    default=50,
    show_default=True,
    help="Register no model whose holdout holds fewer churners than this.",
)
@click.option(
    "--oracle",
    "oracle_seed",
    type=int,
    metavar="SEED",
    help="The data is `pgchurn seed --seed SEED`'s: also report the generator's oracle "
    "(the true churn probability given what a model observes) and the true uplift.",
)
@click.option("--name", help="Model name [default: KIND-timestamp].")
@click.option(
    "--activate",
    is_flag=True,
    help="Activate the model once it is registered, then rescore every current customer "
    "with it (unless --no-rescore).",
)
@NO_RESCORE
@click.option(
    "--pmml-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the PMML document here.",
)
@click.pass_context
def train_command(ctx: click.Context, /, kind: str, csv: Path | None, snapshot: bool,
                  period_days: int, horizon_days: int, train_snapshots: int, spacing_days: int,
                  reference: datetime | None, max_train_rows: int, exclude: tuple[str, ...],
                  min_holdout_churners: int, oracle_seed: int | None, name: str | None,
                  activate: bool, no_rescore: bool,
                  pmml_out: Path | None) -> None:  # fmt: skip
    """Train a churn model, evaluate it on a holdout, and register it.

    Inputs are the features churn.feature_frame derives (tenure, complaint counts) and every
    attribute column of churn.customer_profile, minus churn.ignored_attribute, --exclude and
    columns missing in every training row.

    Point-in-time (the default): features come from churn.feature_frame(cutoff), the same SQL
    that scores live customers; labels say whether the customer churned within --horizon-days
    after the cutoff. The holdout is the latest cutoff. With --snapshot: features as of the
    reference, label churned in the last --period-days, holdout a stratified random 25%.

    The PMML is registered through churn.register_model, which replays its verification rows
    inside PostgreSQL before it accepts the model; never when the holdout holds fewer than
    --min-holdout-churners churners.

    \b
    Examples:
      pgchurn train --model gbdt --activate
      pgchurn train --snapshot --period-days 30 --exclude notes --activate
      pgchurn train --model logistic --csv training.csv --pmml-out lr.pmml
      pgchurn train --oracle 7    # on a database seeded by pgchurn seed --seed 7
    """
    from . import trainer

    refuse_mixed_modes(ctx, csv=csv, snapshot=snapshot)
    if reference is not None and reference.tzinfo is None:
        reference = reference.astimezone()
    opts = trainer.Options(
        kind,
        horizon_days,
        train_snapshots,
        spacing_days,
        reference,
        max_train_rows,
        name,
        pmml_out,
        snapshot=snapshot,
        period_days=period_days,
        exclude=exclude,
        min_holdout_churners=min_holdout_churners,
        oracle_seed=oracle_seed,
    )
    registering = csv is None or ctx.obj.explicit_url or os.environ.get("PGCHURN_DATABASE_URL")
    url = ctx.obj.migrated_url() if registering else None
    mode = "snapshot" if snapshot else "point-in-time"
    click.echo(f"training {kind} ({'CSV ' + str(csv) if csv else mode + ' from the database'})")
    try:
        result = trainer.run(url, opts, csv=csv, register_to=url, activate_it=activate,
                             say=lambda s: click.echo(s, err=True))  # fmt: skip
    except ValueError as exc:
        raise PgchurnError(str(exc)) from exc
    console = Console(width=120)
    console.print(metrics_table(result.metrics))
    console.print(calibration_table(result.metrics))
    console.print(uplift_table(result.metrics))
    click.echo(threshold_line(result.metrics))
    if result.model_id is None:
        click.echo(f"not registered (no database given); PMML: {result.pmml_path}")
        return
    click.echo(f"registered model {result.model_id} ({result.name})")
    if result.activated:
        click.echo(
            f"activated model {result.model_id} (previously: {result.previous_active or 'none'})"
        )
        assert url is not None  # activated, so registered
        after_model_change(url, rescore=not no_rescore)
