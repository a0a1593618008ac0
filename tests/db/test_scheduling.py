"""pg_cron runs the nightly jobs of docs/scheduling.md against a pgchurn database.

The test cluster preloads pg_cron when it is installed (`pgchurn.cluster.server_settings`);
its metadata lives in database `postgres`, and every job targets the test's own database.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from psycopg2.extensions import connection as PgConnection

from pgchurn.cluster import PG_CRON_LIBRARY, Cluster
from tests.db.helpers import add_customer
from tests.db.test_monitoring import add_model, log

pytestmark = pytest.mark.demo_profile

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scheduling.md"
PURGE = "SELECT churn.purge_score_log()"
WAIT_AFTER_TICK = 15.0


def documented_monitor_check() -> str:
    """The monitoring DO block exactly as docs/scheduling.md shows it."""
    found = re.search(r"DO \$monitor\$.*?\$monitor\$", DOCS.read_text(encoding="utf-8"), re.S)
    assert found, f"{DOCS} has no DO $monitor$ ... $monitor$ block"
    return found.group(0)


def nightly_jobs() -> dict[str, tuple[str, str]]:
    """The three jobs of docs/scheduling.md: name -> (schedule, command)."""
    return {
        "rescore": ("15 2 * * *", "CALL churn.rescore_all(10000)"),
        "monitor": ("45 2 * * *", documented_monitor_check()),
        "purge": ("30 3 * * *", PURGE),
    }


class Scheduler:
    """pg_cron in database `postgres`; unschedules every job it created when closed."""

    def __init__(self, conn: PgConnection, dbname: str) -> None:
        self.conn, self.dbname, self.jobs = conn, dbname, list[int]()

    def one(self, query: str, *args: Any) -> Any:
        with self.conn.cursor() as cur:
            cur.execute(query, args)
            row = cur.fetchone() if cur.description else None
        return row[0] if row else None

    def version(self) -> tuple[int, ...]:
        ext = self.one("SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'")
        return tuple(int(part) for part in re.findall(r"\d+", ext))

    def schedule(self, name: str, schedule: str, command: str) -> int:
        job = self.one(
            "SELECT cron.schedule_in_database(%s, %s, %s, %s)",
            f"pgchurn-{name}-{self.dbname}",
            schedule,
            command,
            self.dbname,
        )
        self.jobs.append(job)
        return int(job)

    def schedule_nightly(self) -> dict[str, int]:
        return {name: self.schedule(name, *job) for name, job in nightly_jobs().items()}

    def runs(self, job: int) -> list[tuple[str, str]]:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT status, coalesce(return_message, '') FROM cron.job_run_details"
                " WHERE jobid = %s AND status IN ('succeeded', 'failed') ORDER BY runid",
                (job,),
            )
            return list(cur.fetchall())

    def close(self) -> None:
        try:
            for job in dict.fromkeys(self.jobs):
                self.one("SELECT cron.unschedule(%s::bigint)", job)
            self.one("DELETE FROM cron.job_run_details WHERE jobid = ANY(%s::bigint[])", self.jobs)
        finally:
            self.conn.close()


@pytest.fixture
def cron(pg_cluster: Cluster, db_url: str) -> Iterator[Scheduler]:
    """pg_cron, ready to schedule jobs into this test's database."""
    if not PG_CRON_LIBRARY.exists():
        pytest.skip(
            f"pg_cron is not installed ({PG_CRON_LIBRARY} is absent): "
            "run scripts/bootstrap.sh or apt-get install postgresql-15-cron"
        )
    conn = psycopg2.connect(pg_cluster.database_url("postgres"))
    conn.autocommit = True
    scheduler = Scheduler(conn, db_url.rsplit("/", 1)[1])
    try:
        scheduler.one("CREATE EXTENSION IF NOT EXISTS pg_cron")
        yield scheduler
    finally:
        scheduler.close()


def every_tick(cron: Scheduler) -> tuple[str, float]:
    """The fastest schedule this pg_cron knows, and how long to wait for its first run."""
    if cron.version() >= (1, 5):
        return "1 seconds", WAIT_AFTER_TICK
    now = datetime.now(UTC)
    return "* * * * *", 60 - now.second - now.microsecond / 1e6 + WAIT_AFTER_TICK


def wait_for(done: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"pg_cron did not run the jobs within {timeout:.0f} s"
        time.sleep(0.2)


def test_nightly_jobs_are_registered_for_this_database(cron):
    jobs = cron.schedule_nightly()
    with cron.conn.cursor() as cur:
        cur.execute(
            "SELECT jobid, schedule, command, database, active FROM cron.job"
            " WHERE jobid = ANY(%s::bigint[])",
            (list(jobs.values()),),
        )
        registered = {row[0]: row[1:] for row in cur}
    for name, (schedule, command) in nightly_jobs().items():
        assert registered[jobs[name]] == (schedule, command, cron.dbname, True)
    assert cron.schedule("purge", "0 4 * * *", PURGE) == jobs["purge"]  # same name: replaced
    assert cron.one("SELECT schedule FROM cron.job WHERE jobid = %s", jobs["purge"]) == "0 4 * * *"


def test_pg_cron_purges_old_score_log_rows_and_records_a_monitor_breach(cron, conn):
    now = datetime.now(UTC)
    with conn.cursor() as cur:
        model_id = add_model(cur)
        cur.execute("UPDATE churn.model SET status = 'active' WHERE model_id = %s", (model_id,))
        add_customer(cur, 1)
        log(cur, model_id, 1, 0.3, now - timedelta(days=400))
        for _ in range(100):
            log(cur, model_id, 1, 0.95, now)  # every score in the top bin: PSI far above 0.25
    conn.commit()
    schedule, timeout = every_tick(cron)
    purge = cron.schedule("purge", schedule, PURGE)
    monitor = cron.schedule("monitor", schedule, documented_monitor_check())
    wait_for(lambda: cron.runs(purge) and cron.runs(monitor), timeout)

    assert cron.runs(purge)[0][0] == "succeeded", cron.runs(purge)
    status, message = cron.runs(monitor)[0]
    assert status == "failed" and "score PSI" in message, message
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*), min(scored_at) > now() - interval '1 day' FROM churn.score_log"
        )
        assert cur.fetchone() == (100, True)


def test_documented_monitor_check_passes_without_a_breach(conn):
    with conn.cursor() as cur:
        model_id = add_model(cur)
        cur.execute("UPDATE churn.model SET status = 'active' WHERE model_id = %s", (model_id,))
        add_customer(cur, 1)
        for i, score in enumerate([0.05, 0.15, 0.3, 0.5] * 25):  # the training distributions
            contract = "month-to-month" if i < 50 else "one-year" if i < 80 else "two-year"
            features = {"monthly_charges": 40.0 + 20 * (i % 2), "contract_type": contract}
            log(cur, model_id, 1, score, datetime.now(UTC), features)
        cur.execute(documented_monitor_check())  # raises on a breach


def test_scheduling_docs_give_the_monitor_breach_exit_code():
    from pgchurn.monitor_cli import BREACH_EXIT

    text = DOCS.read_text(encoding="utf-8")
    assert text.count(f"exits {BREACH_EXIT} on a breach") == 2, "the pg_cron and the cron section"
    assert not re.search(r"exits [0-24-9] on a breach", text)
