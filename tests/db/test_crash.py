"""Crashes under load: kill -9 of a backend, then an immediate stop, while 4 sessions file
complaints. Nothing acknowledged is lost, the counters are exact, and every complaint
transaction has exactly one score. The test runs its own cluster, so that crashing it
disturbs no other test."""

import os
import random
import signal
import threading
import time

import psycopg2
import pytest

from pgchurn import migrate
from tests.conftest import throwaway_cluster
from tests.db.helpers import activate, add_customer, install_demo_attributes, register

pytestmark = pytest.mark.demo_profile

CUSTOMERS = range(1, 21)
INSERT = (
    "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
    " VALUES (%s, 'billing', %s, 'phone') RETURNING complaint_id"
)


@pytest.fixture
def own_cluster():
    with throwaway_cluster("pgchurn-crash-") as cluster:
        yield cluster


def writer(url, stop, acknowledged, seed):
    rng = random.Random(seed)
    conn = None
    while not stop.is_set():
        try:
            if conn is None or conn.closed:
                conn = psycopg2.connect(url, connect_timeout=2)
            with conn.cursor() as cur:
                cur.execute(INSERT, (rng.choice(CUSTOMERS), rng.randint(1, 5)))
                complaint_id = cur.fetchone()[0]
            conn.commit()
            acknowledged.append(complaint_id)
        except psycopg2.Error:
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.05)  # the server is restarting
    if conn is not None:
        conn.close()


def backend_pids(url):
    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return [r[0] for r in cur.fetchall()]


def wait_until(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except psycopg2.Error:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.slow
def test_kill_9_and_immediate_stop_under_load_lose_nothing(own_cluster, trained):
    own_cluster.create_database("crash")
    url = own_cluster.database_url("crash")
    migrate.upgrade(url)
    install_demo_attributes(url)
    with psycopg2.connect(url) as c, c.cursor() as cur:
        activate(cur, register(cur, trained("logistic").pmml, "lr"))
        for k in CUSTOMERS:
            add_customer(cur, k)
    stop, acknowledged = threading.Event(), []
    threads = [threading.Thread(target=writer, args=(url, stop, acknowledged, k)) for k in range(4)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acknowledged) > 100)
    os.kill(random.choice(backend_pids(url)), signal.SIGKILL)  # crash: every session ends
    wait_until(lambda: len(acknowledged) > 300)  # the writers reconnected after recovery
    own_cluster.stop(mode="immediate")
    stop.set()
    for t in threads:
        t.join(30)
    own_cluster.start()

    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute("SELECT array_agg(complaint_id) FROM churn.complaint")
        stored = set(cur.fetchone()[0])
        assert set(acknowledged) <= stored, "an acknowledged complaint was lost"
        cur.execute(
            "SELECT count(*) FROM churn.customer_score s WHERE s.complaints_total <>"
            " (SELECT count(*) FROM churn.complaint c WHERE c.customer_id = s.customer_id)"
        )
        assert cur.fetchone() == (0,), "counters are exact"
        cur.execute(
            "SELECT count(*) FROM churn.complaint c WHERE (SELECT count(*) FROM churn.score_log l"
            " WHERE l.complaint_id = c.complaint_id) <> 1"
        )
        assert cur.fetchone() == (0,), "one score per complaint transaction"
        cur.execute("SELECT count(*) FROM churn.rescore_request")
        assert cur.fetchone() == (0,)
        cur.execute(INSERT, (1, 3))  # and it still scores
    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM churn.score_log WHERE complaint_id ="
            " (SELECT max(complaint_id) FROM churn.complaint)"
        )
        assert cur.fetchone() == (1,)
    print(
        f"\n{len(acknowledged)} acknowledged complaints, {len(stored)} stored, after a kill -9"
        " and an immediate stop under 4 writers: none lost"
    )
