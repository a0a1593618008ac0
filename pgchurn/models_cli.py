"""`pgchurn models ...`: the registry from the command line. Each command has an SQL twin."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from pgchurn.db import connect
from pgchurn.errors import PgchurnError

LIST = """
SELECT model_id, name, status, algorithm, metrics->>'roc_auc', verification_rows,
       to_char(registered_at, 'YYYY-MM-DD HH24:MI'), registered_by,
       to_char(activated_at, 'YYYY-MM-DD HH24:MI')
  FROM churn.model ORDER BY model_id
"""
SHOW = """
SELECT model_id, name, status, algorithm, pmml_sha256, verification_rows, input_fields, metrics,
       training_summary, library_versions, git_commit, registered_at, registered_by,
       activated_at, retired_at, length(pmml)
  FROM churn.model WHERE model_id = %s
"""
AUDIT = """
SELECT action, previous_model_id, performed_by, performed_at, reason
  FROM churn.model_audit WHERE model_id = %s ORDER BY audit_id
"""


def _url(ctx: click.Context) -> str:
    url: str = ctx.obj.migrated_url()
    return url


@click.group()
def models() -> None:
    """List, inspect, activate, roll back, export and retire registered models.

    Each command calls the SQL function a DBA can call from psql or a migration:
    churn.activate_model(id), churn.rollback_model(), churn.retire_model(id).
    """


@models.command("list")
@click.pass_context
def list_models(ctx: click.Context) -> None:
    """Print the registry as a table.

    Example: pgchurn models list
    """
    with connect(_url(ctx)) as conn, conn.cursor() as cur:
        cur.execute(LIST)
        rows = cur.fetchall()
    table = Table(title="churn.model")
    for col in (
        "id",
        "name",
        "status",
        "algorithm",
        "AUC",
        "verified",
        "registered",
        "by",
        "activated",
    ):
        table.add_column(col)
    for r in rows:
        auc = f"{float(r[4]):.4f}" if r[4] else "-"
        cells = [
            str(r[0]),
            r[1],
            _status(r[2]),
            r[3] or "-",
            auc,
            str(r[5]),
            r[6],
            r[7],
            r[8] or "-",
        ]
        table.add_row(*cells)
    Console(width=160).print(table)
    if not rows:
        click.echo(
            "no models registered yet; train one with: pgchurn train --model gbdt --activate"
        )


def _status(status: str) -> str:
    return f"[bold green]{status}[/]" if status == "active" else status


@models.command("show")
@click.argument("model_id", type=int)
@click.pass_context
def show(ctx: click.Context, model_id: int) -> None:
    """Show one model's metadata, metrics, input fields and audit trail.

    Example: pgchurn models show 3
    """
    with connect(_url(ctx)) as conn, conn.cursor() as cur:
        cur.execute(SHOW, (model_id,))
        row = cur.fetchone()
        if row is None:
            raise PgchurnError(f"model {model_id} does not exist; see: pgchurn models list")
        names = [d[0] for d in cur.description]
        cur.execute(AUDIT, (model_id,))
        audit = cur.fetchall()
    info: dict[str, Any] = dict(zip(names, row, strict=True))
    info["pmml_bytes"] = info.pop("length")
    info["audit"] = [
        {"action": a, "previous_model_id": p, "by": b, "at": str(t), "reason": r}
        for a, p, b, t, r in audit
    ]
    click.echo(json.dumps(info, indent=2, default=str))


@models.command("activate")
@click.argument("model_id", type=int)
@click.pass_context
def activate(ctx: click.Context, model_id: int) -> None:
    """Make MODEL_ID the active model (churn.activate_model), in one transaction.

    Example: pgchurn models activate 3
    """
    with connect(_url(ctx)) as conn, conn.cursor() as cur:
        cur.execute("SELECT churn.activate_model(%s)", (model_id,))
        previous = cur.fetchone()[0]
    click.echo(f"model {model_id} is active (previously: {previous or 'none'})")


@models.command("rollback")
@click.pass_context
def rollback(ctx: click.Context) -> None:
    """Re-activate the model that was active before the current one (churn.rollback_model).

    Example: pgchurn models rollback
    """
    with connect(_url(ctx)) as conn, conn.cursor() as cur:
        cur.execute("SELECT churn.rollback_model()")
        back_to = cur.fetchone()[0]
    click.echo(f"rolled back: model {back_to} is active again")


@models.command("retire")
@click.argument("model_id", type=int)
@click.pass_context
def retire(ctx: click.Context, model_id: int) -> None:
    """Retire MODEL_ID so that it can never be activated again (churn.retire_model).

    Example: pgchurn models retire 2
    """
    with connect(_url(ctx)) as conn, conn.cursor() as cur:
        cur.execute("SELECT churn.retire_model(%s)", (model_id,))
    click.echo(f"model {model_id} retired")


@models.command("export")
@click.argument("model_id", type=int)
@click.pass_context
def export(ctx: click.Context, model_id: int) -> None:
    """Write MODEL_ID's PMML document to standard output.

    Example: pgchurn models export 3 > model.pmml
    """
    with connect(_url(ctx)) as conn, conn.cursor() as cur:
        cur.execute("SELECT pmml FROM churn.model WHERE model_id = %s", (model_id,))
        row = cur.fetchone()
    if row is None:
        raise PgchurnError(f"model {model_id} does not exist; see: pgchurn models list")
    sys.stdout.write(row[0])


@models.command("challenger")
@click.argument("model_id", type=int, required=False)
@click.option("--share", default=1.0, show_default=True, help="Share of customers it covers.")
@click.option("--serve-share", is_flag=True, help="Serve its score to those customers too.")
@click.option("--clear", is_flag=True, help="End the experiment.")
@click.pass_context
def challenger(
    ctx: click.Context, model_id: int | None, share: float, serve_share: bool, clear: bool
) -> None:
    """Score MODEL_ID as a challenger next to the active model (churn.set_challenger).

    The triggers also score and log it for a deterministic share of customers (by a hash of
    customer_id); with --serve-share those customers are served its score, and the profile
    records the variant. Compare the two with: SELECT * FROM churn.experiment_report;

    \b
    Examples:
      pgchurn models challenger 4 --share 0.2
      pgchurn models challenger 4 --share 0.1 --serve-share
      pgchurn models challenger --clear
    """
    with connect(_url(ctx)) as conn, conn.cursor() as cur:
        if clear:
            cur.execute("SELECT churn.clear_challenger()")
            click.echo("experiment ended: no challenger")
            return
        if model_id is None:
            raise PgchurnError("name the model: pgchurn models challenger MODEL_ID [--share S]")
        cur.execute("SELECT churn.set_challenger(%s, %s, %s)", (model_id, share, serve_share))
    mode = "served to" if serve_share else "scored in shadow for"
    click.echo(f"model {model_id} is the challenger, {mode} {share:.0%} of customers")
