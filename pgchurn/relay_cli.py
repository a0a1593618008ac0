"""`pgchurn relay`: send the notifications queued in churn.notification_outbox.

With notify_mode = 'outbox' (revision 0008) the scoring transaction queues its churn_score
notification instead of calling pg_notify, and something must send the queue: pg_cron
(`SELECT churn.relay_notifications()` every second) or this command.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from types import FrameType

import click

from pgchurn.db import connect

RELAY = "SELECT churn.relay_notifications(%s)"
MODE = "SELECT value FROM churn.setting WHERE name = 'notify_mode'"


def relay(
    url: str,
    *,
    max_messages: int,
    interval: float,
    once: bool,
    on_batch: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Relay until stopped (or, with `once`, until the queue is empty); returns how many sent.

    Each call of churn.relay_notifications is its own transaction: its notifications are
    delivered when it commits. A full batch is followed at once by the next; otherwise the
    relay sleeps `interval` seconds. `on_batch(sent, total)` is called after each non-empty
    batch.
    """
    total = 0
    with connect(url, autocommit=True) as conn, conn.cursor() as cur:
        while not should_stop():
            cur.execute(RELAY, (max_messages,))
            sent = int(cur.fetchone()[0])
            total += sent
            if sent and on_batch:
                on_batch(sent, total)
            if sent == max_messages:
                continue
            if once:
                break
            time.sleep(interval)
    return total


def notify_mode(url: str) -> str | None:
    """The notify_mode setting (None when the row is missing)."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(MODE)
        row = cur.fetchone()
    return None if row is None else str(row[0])


@click.command("relay")
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.01, 3600),
    help="Seconds to wait when the queue is empty.",
)
@click.option(
    "--max-messages",
    default=10_000,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="Notifications per transaction.",
)
@click.option("--once", is_flag=True, help="Send what is queued now, then exit.")
@click.option("--quiet", is_flag=True, help="Print only the final count.")
@click.pass_context
def relay_command(
    ctx: click.Context, interval: float, max_messages: int, once: bool, quiet: bool
) -> None:
    """Send the churn_score notifications queued in churn.notification_outbox.

    Needed when the setting notify_mode is 'outbox': the scoring transactions then queue
    their notifications instead of calling pg_notify, so that they no longer commit one at
    a time, and this relay sends them with pg_notify, oldest first, each with a
    notification_id. Runs until Ctrl-C (or SIGTERM); --once empties the queue and exits.
    pg_cron can do the same job: SELECT churn.relay_notifications() every second.

    Example: pgchurn relay --interval 0.5
    """
    url = ctx.obj.migrated_url()
    mode = notify_mode(url)
    if mode != "outbox":
        click.echo(
            f"pgchurn: notify_mode is {mode!r}, so nothing is queued: scoring transactions send "
            "their notifications themselves. To queue them, as a superuser: UPDATE churn.setting "
            "SET value = 'outbox' WHERE name = 'notify_mode'",
            err=True,
        )
    stopping = {"now": False}

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping["now"] = True

    previous = signal.signal(signal.SIGTERM, stop)
    started = time.perf_counter()
    counted = {"total": 0}

    def report(sent: int, total: int) -> None:
        counted["total"] = total
        if not quiet:
            click.echo(f"sent {sent} notification{'s' if sent != 1 else ''} ({total} in all)")

    try:
        relay(
            url,
            max_messages=max_messages,
            interval=interval,
            once=once,
            on_batch=report,
            should_stop=lambda: stopping["now"],
        )
    except KeyboardInterrupt:
        pass  # Ctrl-C: every batch sent so far was committed
    finally:
        signal.signal(signal.SIGTERM, previous)
    seconds = time.perf_counter() - started
    click.echo(f"relayed {counted['total']} notifications in {seconds:.1f}s")
