"""`pgchurn rescore`: batch rescoring with a progress bar, one committed batch per call."""

from __future__ import annotations

import time

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from pgchurn.db import connect


@click.command("rescore")
@click.option(
    "--batch-size", default=10_000, show_default=True, help="Profiles per batch and commit."
)
@click.pass_context
def rescore_command(ctx: click.Context, batch_size: int) -> None:
    """Rescore every profile with the active model, logging each score (triggered_by = batch).

    Each batch commits on its own, so an interrupted run loses at most one batch and the next
    `pgchurn rescore` resumes it. Complaint inserts for a profile wait at most one batch.
    The SQL twin is CALL churn.rescore_all(batch_size).

    Example: pgchurn rescore --batch-size 20000
    """
    url = ctx.obj.migrated_url()
    started = time.perf_counter()
    done = 0
    columns = (TextColumn("rescoring"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with connect(url, autocommit=True) as conn, conn.cursor() as cur, Progress(*columns) as bar:
        task = bar.add_task("rescore", total=None)
        while True:
            cur.execute("SELECT * FROM churn.rescore_batch(%s)", (batch_size,))
            run_id, rows_done, total, finished = cur.fetchone()
            bar.update(task, completed=rows_done, total=max(total or 0, rows_done))
            done = rows_done
            if finished:
                break
    seconds = time.perf_counter() - started
    rate = done / max(seconds, 1e-9)
    click.echo(f"run {run_id}: rescored {done} profiles in {seconds:.1f}s ({rate:,.0f} rows/s)")
