"""Batch rescoring: every profile with the active model, in committed, resumable batches.

churn.rescore_batch() runs one batch; CALL churn.rescore_all() (PL/pgSQL, so that it may
COMMIT) and `pgchurn rescore` call it until the run is finished.

A run is a row of churn.rescore_run. Each batch locks the next `batch_size` profiles by
customer_id (FOR NO KEY UPDATE, so concurrent complaint inserts wait at most one batch),
rescores them through the same path as the triggers, records progress and commits. A crash
loses at most the batch in flight; the next call resumes the unfinished run after the last
committed customer_id.
"""

from __future__ import annotations

from . import db, errors, realtime
from .realtime import Target

OPEN_RUN = """
SELECT run_id, last_customer_id, rows_done FROM churn.rescore_run
 WHERE finished_at IS NULL ORDER BY run_id DESC LIMIT 1
"""
NEW_RUN = """
INSERT INTO churn.rescore_run (model_id, batch_size, total_rows)
VALUES ($1, $2, (SELECT count(*) FROM churn.customer_profile))
RETURNING run_id, last_customer_id, rows_done
"""
LOCK_BATCH = """
SELECT customer_id, churn_score FROM churn.customer_profile
 WHERE customer_id > $1 ORDER BY customer_id LIMIT $2
   FOR NO KEY UPDATE
"""
PROGRESS = """
UPDATE churn.rescore_run
   SET last_customer_id = $2, rows_done = rows_done + $3, batches = batches + 1,
       updated_at = clock_timestamp(), model_id = $4
 WHERE run_id = $1
"""
FINISH = "UPDATE churn.rescore_run SET finished_at = clock_timestamp() WHERE run_id = $1"


RUN_PROGRESS = "SELECT run_id, rows_done, total_rows FROM churn.rescore_run WHERE run_id = $1"


def rescore_next_batch(batch_size: int) -> list[dict[str, object]]:
    """One batch of the open run (or of a new one), for clients that drive and show progress.

    Returns one row: run_id, rows_done, total_rows, finished. The caller commits.
    """
    _check(batch_size)
    run_id, after = _open_run(batch_size)
    done, _ = rescore_batch(run_id, after, batch_size)
    finished = done < batch_size
    if finished:
        db.execute(FINISH, ["bigint"], [run_id])
    row = db.execute(RUN_PROGRESS, ["bigint"], [run_id])[0]
    return [{**dict(row), "finished": finished}]


def _check(batch_size: int | None) -> None:
    if batch_size is None or batch_size < 1:
        errors.refuse(f"batch_size must be a positive integer, not {batch_size}")


def _open_run(batch_size: int) -> tuple[int, int]:
    try:
        ctx = realtime.context()
    except realtime.NoActiveModel:
        errors.not_found("no churn model is active", hint="activate one with churn.activate_model")
    rows = db.execute(OPEN_RUN, [], [])
    if len(rows) == 0:
        rows = db.execute(NEW_RUN, ["bigint", "integer"], [ctx.model_id, batch_size])
    return int(rows[0]["run_id"]), int(rows[0]["last_customer_id"])


def rescore_batch(run_id: int, after: int, batch_size: int) -> tuple[int, int]:
    """Lock, rescore and log the next batch; returns (rows in the batch, last customer_id)."""
    locked = db.execute(LOCK_BATCH, ["bigint", "integer"], [after, batch_size])
    if len(locked) == 0:
        return 0, after
    targets = [Target(int(r["customer_id"]), r["churn_score"]) for r in locked]
    ctx = realtime.context()
    realtime.rescore(targets, "batch", ctx)
    last = targets[-1].customer_id
    db.execute(
        PROGRESS,
        ["bigint", "bigint", "integer", "bigint"],
        [run_id, last, len(targets), ctx.model_id],
    )
    return len(targets), last
