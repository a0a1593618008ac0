"""`pgchurn models ...`: the registry from the command line. Each command has an SQL twin."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
import psycopg2
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pgchurn.db import connect
from pgchurn.errors import PgchurnError
from pgchurn.rescore_cli import NO_RESCORE, after_model_change

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
    """Register, list, inspect, activate, roll back, export and retire models.

    Each command calls the SQL function a DBA can call from psql or a migration:
    churn.register_model(pmml, name), churn.activate_model(id), churn.rollback_model(),
    churn.retire_model(id).
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
        click.echo("no models registered yet; train one with: pgchurn train --activate")


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


ALLOW_UNSEEN = click.option(
    "--allow-unseen-categories",
    is_flag=True,
    help="Activate even when a categorical input holds values the model has never seen for "
    "more than max_unseen_category_share (10%) of current customers (a deliberate mismatch); "
    "recorded in churn.model_audit.",
)


@models.command("register")
@click.argument("pmml_file", metavar="FILE.pmml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", help="Name of the model in churn.model. Default: the file's stem.")
@click.option(
    "--activate", "then_activate", is_flag=True, help="Activate the model once it is registered."
)
@ALLOW_UNSEEN
@NO_RESCORE
@click.pass_context
def register(ctx: click.Context, pmml_file: Path, name: str | None, then_activate: bool,
             allow_unseen_categories: bool, no_rescore: bool) -> None:  # fmt: skip
    """Register a PMML document (churn.register_model), then compute its drift baselines.

    The server compiles the document and replays its ModelVerification rows (written by
    sklearn2pmml after PMMLPipeline.verify(X_sample)) through the code that will score; it
    stores the model only if every row matches. The drift baselines of a model trained
    elsewhere come from the current customers (churn.compute_baselines). The model is not
    active until churn.activate_model, or --activate, which then rescores every current
    customer with it (unless --no-rescore). A document without node weights (recordCount) or
    linear term means gets them from the current customers first, so that churn.explain
    measures from their expected value (the file itself is not changed).

    \b
    Examples:
      pgchurn models register churn_gbdt.pmml
      pgchurn models register ~/models/churn.pmml --name churn-2026-12 --activate
    """
    text = _read_pmml(pmml_file)
    url = _url(ctx)
    text = _with_weights(url, pmml_file, text)
    model_id = _register(url, pmml_file, text, name or pmml_file.stem)
    _compute_baselines(url, model_id)
    if then_activate:
        previous = activate_model(
            url,
            model_id,
            allow_unseen_categories or None,
            refused=f"model {model_id} IS registered, but was not activated",
        )
        click.echo(f"model {model_id} is active (previously: {previous or 'none'})")
        after_model_change(url, rescore=not no_rescore)


LARGE_PMML_BYTES = 1 << 20
CURRENT_FEATURES = """
SELECT f.attributes || (to_jsonb(f) - 'customer_id' - 'attributes')
  FROM churn.feature_frame(now(), every_column => true) f
  JOIN churn.customer_profile p USING (customer_id)
 WHERE p.churned_at IS NULL
"""


def _with_weights(url: str, path: Path, text: str) -> str:
    """The document with node weights and term means from the current customers, if it lacks them.

    A document that cannot be compiled here is sent as it is: the server's refusal names
    the problem. One the caller may not read the customers for is registered without them.
    """
    from pgchurn.plpython.pmml import PmmlError, weights

    try:
        if not weights.needs_weights(text):
            return text
    except PmmlError:
        return text
    try:
        with connect(url) as conn, conn.cursor() as cur:
            cur.execute(CURRENT_FEATURES)
            rows = [_plain(r[0]) for r in cur.fetchall()]
    except psycopg2.Error as exc:
        if exc.pgcode is None:
            raise
        click.secho(
            f"pgchurn: warning: {path} has no node weights, and they cannot be computed "
            f"here: {_server_message(exc)}; churn.explain will measure from unweighted means",
            fg="yellow",
            err=True,
        )
        return text
    try:
        annotated: str
        annotated, tallies = weights.with_weights(text, rows)
    except PmmlError as exc:
        click.secho(f"pgchurn: warning: no node weights for {path}: {exc}", fg="yellow", err=True)
        return text
    click.echo(
        f"{path} has no node weights from training: computed them from {tallies.rows} "
        f"current customers ({len(tallies.counts)} nodes, {len(tallies.means)} linear terms); "
        "churn.explain measures contributions from their mean margin"
    )
    return annotated


def _plain(features: dict[str, Any]) -> dict[str, Any]:
    """Booleans as 1 and 0, as the server's scoring reads them."""
    return {k: int(v) if isinstance(v, bool) else v for k, v in features.items()}


def _read_pmml(path: Path) -> str:
    """The document's text; a missing or unreadable file is a one-line error naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PgchurnError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise PgchurnError(
            f"{path} is not UTF-8 text (byte {exc.start}); PMML documents are UTF-8 XML"
        ) from None
    except OSError as exc:
        raise PgchurnError(f"{path}: cannot read it: {exc.strerror}") from None


def _register(url: str, path: Path, text: str, name: str) -> int:
    """churn.register_model, with a progress line; a refusal names the file."""
    size = len(text.encode("utf-8"))
    what = f"{path} ({_megabytes(size)})"
    started = time.perf_counter()
    try:
        with _progress(f"registering {what}: compiling and verifying it inside PostgreSQL", size):
            with connect(url) as conn, conn.cursor() as cur:
                cur.execute("SELECT churn.register_model(%s, %s)", (text, name))
                model_id = int(cur.fetchone()[0])
                cur.execute(
                    "SELECT verification_rows FROM churn.model WHERE model_id = %s", (model_id,)
                )
                rows = cur.fetchone()[0]
    except psycopg2.Error as exc:
        if exc.pgcode is None:
            raise  # cannot connect, and the like: the usual one-line report
        raise PgchurnError(f"{path} was not registered: {_server_message(exc)}") from None
    seconds = time.perf_counter() - started
    click.echo(
        f"registered model {model_id} {name!r} from {what}: "
        f"{rows} verification rows matched, in {seconds:.1f} s"
    )
    return model_id


def _progress(description: str, size: int) -> Any:
    """A spinner with the elapsed time on stderr for a large document; nothing for a small one."""
    from contextlib import nullcontext

    if size < LARGE_PMML_BYTES:
        return nullcontext()
    click.echo(f"{description} ...", err=True)
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    bar.add_task("registering")
    return bar


def _compute_baselines(url: str, model_id: int) -> None:
    """churn.compute_baselines; a failure is a warning, since the model is registered."""
    try:
        with connect(url) as conn, conn.cursor() as cur:
            cur.execute("SELECT churn.compute_baselines(%s)", (model_id,))
            baselines = cur.fetchone()[0]
    except psycopg2.Error as exc:
        if exc.pgcode is None:
            raise
        click.secho(
            f"pgchurn: warning: model {model_id} is registered without drift baselines: "
            f"{_server_message(exc)}; once fixed, run: "
            f"psql -c 'SELECT churn.compute_baselines({model_id})'",
            fg="yellow",
            err=True,
        )
        return
    source = baselines.get("source", {})
    click.echo(
        f"drift baselines: {len(baselines.get('numeric', {}))} numeric and "
        f"{len(baselines.get('categorical', {}))} categorical inputs, and the scores, "
        f"from {source.get('rows', '?')} current customers"
    )


def _server_message(exc: psycopg2.Error) -> str:
    """The server's message on one line, then its hint, then its detail indented below."""
    diag = exc.diag
    text = (diag.message_primary or str(exc).strip().splitlines()[0]).removeprefix("plpy.Error: ")
    if diag.message_hint:
        text += f" (hint: {diag.message_hint})"
    if diag.message_detail:
        text += "\n" + "\n".join(f"  {line}" for line in diag.message_detail.splitlines())
    return text


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size} bytes"


@models.command("activate")
@click.argument("model_id", type=int)
@ALLOW_UNSEEN
@NO_RESCORE
@click.pass_context
def activate(
    ctx: click.Context, model_id: int, allow_unseen_categories: bool, no_rescore: bool
) -> None:
    """Make MODEL_ID the active model (churn.activate_model), then rescore with it.

    The activation is one transaction; then every current customer is rescored with the new
    model, with a progress bar (as `pgchurn rescore`), unless --no-rescore.

    It is refused, naming every failing field, when churn.feature_frame cannot supply one of
    the model's inputs, or when a categorical input holds values the model has never seen for
    more than 10% of current customers (see --allow-unseen-categories).

    \b
    Examples:
      pgchurn models activate 3
      pgchurn models activate 3 --allow-unseen-categories
      pgchurn models activate 3 --no-rescore
    """
    url = _url(ctx)
    previous = activate_model(url, model_id, allow_unseen_categories or None)
    click.echo(f"model {model_id} is active (previously: {previous or 'none'})")
    if previous != model_id:
        after_model_change(url, rescore=not no_rescore)


def activate_model(
    url: str,
    model_id: int,
    allow_unseen_categories: bool | None = None,
    *,
    refused: str | None = None,
) -> int | None:
    """churn.activate_model; returns the previously active model.

    A refusal is a PgchurnError with the server's message (after `refused`, when given), its
    detail (one line per failing field) and its hint.
    """
    query = "SELECT churn.activate_model(%(model_id)s)"
    if allow_unseen_categories:
        query = "SELECT churn.activate_model(%(model_id)s, allow_unseen_categories => true)"
    try:
        with connect(url) as conn, conn.cursor() as cur:
            cur.execute(query, {"model_id": model_id})
            previous = cur.fetchone()[0]
    except psycopg2.Error as exc:
        if exc.pgcode is None:
            raise
        reason = _server_message(exc)
        raise PgchurnError(f"{refused}: {reason}" if refused else reason) from None
    return int(previous) if previous is not None else None


@models.command("rollback")
@NO_RESCORE
@click.pass_context
def rollback(ctx: click.Context, no_rescore: bool) -> None:
    """Re-activate the model that was active before the current one (churn.rollback_model).

    Then every current customer is rescored with it, unless --no-rescore.

    \b
    Examples:
      pgchurn models rollback
      pgchurn models rollback --no-rescore
    """
    url = _url(ctx)
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT churn.rollback_model()")
        back_to = cur.fetchone()[0]
    click.echo(f"rolled back: model {back_to} is active again")
    after_model_change(url, rescore=not no_rescore)


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
