"""`pgchurn rescore`: batch rescoring with a progress bar, in one or more sessions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from pgchurn.db import connect

BATCH = "SELECT * FROM churn.rescore_batch(%s)"
# A worker joins the run the first call opened, and stops when it is finished: without
# join_run, a worker that calls once more after another finished the run would start a new one.
JOIN = "SELECT * FROM churn.rescore_batch(%s, join_run => %s)"


class _Tally:
    """The run's furthest progress, and what this command scored itself, across its sessions."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.run_id = 0
        self.rows_done = 0
        self.total = 0
        self.scored = 0  # by this command's sessions only, not by earlier or other ones

    def report(self, row: tuple[int, int, int, bool, int]) -> None:
        with self.lock:
            self.run_id = row[0]
            self.rows_done = max(self.rows_done, row[1])
            self.total = max(self.total, row[2] or 0, self.rows_done)
            self.scored += row[4]


def _work(url: str, batch_size: int, run_id: int, tally: _Tally) -> None:
    """One session: claim, rescore and commit chunks of the run until none is left for it."""
    with connect(url, autocommit=True) as conn, conn.cursor() as cur:
        while True:
            cur.execute(JOIN, (batch_size, run_id))
            row = cur.fetchone()
            tally.report(row)
            if row[3]:
                return


def rescore_parallel(
    url: str, batch_size: int, jobs: int, on_progress: Callable[[int, int], None] | None = None
) -> tuple[int, int, int]:
    """Work through the open (or a new) run in `jobs` sessions.

    Returns (run_id, rows the run has done in all, rows this call scored itself): after a
    resume, or beside other sessions, the two differ.

    `on_progress(rows_done, total)` is called from this thread about five times a second.
    """
    tally = _Tally()
    # The first chunk opens (or resumes) the run, so that the workers all join that one.
    with connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(BATCH, (batch_size,))
        first = cur.fetchone()
    tally.report(first)
    if not first[3]:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_work, url, batch_size, first[0], tally) for _ in range(jobs)]
            while not all(f.done() for f in futures):
                if on_progress:
                    on_progress(tally.rows_done, tally.total)
                time.sleep(0.2)
            for future in futures:
                future.result()  # a worker's error stops the run with that error
    if on_progress:
        on_progress(tally.rows_done, tally.total)
    return tally.run_id, tally.rows_done, tally.scored


def rescore_with_bar(url: str, batch_size: int = 10_000, jobs: int = 1) -> str:
    """Rescore every current customer with a progress bar; returns the one-line summary."""
    started = time.perf_counter()
    columns = (TextColumn("rescoring"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns) as bar:
        task = bar.add_task("rescore", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        run_id, done, scored = rescore_parallel(url, batch_size, jobs, progress)
    seconds = time.perf_counter() - started
    rate = scored / max(seconds, 1e-9)
    earlier = f"; the run holds {done} in all, with earlier sessions'" if done != scored else ""
    return (
        f"run {run_id}: rescored {scored} profiles in {seconds:.1f}s "
        f"({rate:,.0f} rows/s, {jobs} session{'s' if jobs > 1 else ''}){earlier}"
    )


NO_RESCORE = click.option(
    "--no-rescore",
    is_flag=True,
    help="Change the model only: current customers keep the previous model's scores until "
    "`pgchurn rescore` (churn.scoring_health counts them as other_model_profiles).",
)


def after_model_change(url: str, *, rescore: bool) -> None:
    """Rescore every current customer with the model now active, or say how to."""
    if rescore:
        click.echo(rescore_with_bar(url))
    else:
        click.echo(
            "not rescored (--no-rescore): current customers keep the previous model's scores; "
            "rescore them with: pgchurn rescore"
        )


@click.command("rescore")
@click.option(
    "--batch-size", default=10_000, show_default=True, help="Profiles per chunk and commit."
)
@click.option(
    "--jobs",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Sessions working through the run in parallel (at most one per CPU core helps).",
)
@click.pass_context
def rescore_command(ctx: click.Context, batch_size: int, jobs: int) -> None:
    """Rescore every current customer with the active model, logging each score (batch).

    Churned customers (churned_at set) keep the score they had when they left. A run is split
    into chunks of --batch-size profiles; each session claims the next free chunk, rescores it
    and commits. An interrupted run loses at most the chunks in flight, and the next `pgchurn
    rescore` resumes it (unless the active model changed meanwhile: then a new run starts).
    Complaint inserts for a profile wait at most one chunk. The SQL twin, in one session, is
    CALL churn.rescore_all(batch_size). `pgchurn models activate`, `models rollback` and
    `retrain` run it after they change the model.

    Example: pgchurn rescore --batch-size 20000 --jobs 2
    """
    click.echo(rescore_with_bar(ctx.obj.migrated_url(), batch_size, jobs))
