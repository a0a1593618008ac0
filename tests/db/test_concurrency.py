"""Many sessions, the same ten customers: exact counters, no deadlocks, one model per score."""

import threading
import time

import psycopg2
import pytest

from tests.db.helpers import activate, add_customer, register

pytestmark = pytest.mark.demo_profile

SESSIONS = 8
INSERTS_PER_SESSION = 500
CUSTOMERS = range(1, 11)


def hammer(url, worker, errors, done):
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for i in range(INSERTS_PER_SESSION):
                customer = CUSTOMERS[(worker * 7 + i) % len(CUSTOMERS)]
                cur.execute(
                    "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                    " VALUES (%s, 'network', %s, 'chat')",
                    (customer, 1 + (i % 5)),
                )
                done[worker] = i + 1
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(repr(exc))
    finally:
        conn.close()


def test_concurrent_inserts_keep_exact_counters_while_models_switch(conn, db_url, trained):
    with conn.cursor() as cur:
        for c in CUSTOMERS:
            add_customer(cur, c)
        first = register(cur, trained("logistic").pmml, "lr")
        second = register(cur, trained("gbdt").pmml, "gbdt")
        activate(cur, first)
    conn.commit()

    errors, done = [], [0] * SESSIONS
    threads = [
        threading.Thread(target=hammer, args=(db_url, w, errors, done)) for w in range(SESSIONS)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    switches = 0
    while any(t.is_alive() for t in threads):
        if switches < 6 and sum(done) > (switches + 1) * 500:
            with conn.cursor() as cur:
                activate(cur, (second, first)[switches % 2])
            conn.commit()
            switches += 1
        time.sleep(0.02)
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started

    assert errors == []
    total = SESSIONS * INSERTS_PER_SESSION
    with conn.cursor() as cur:
        cur.execute(
            "SELECT p.customer_id, p.complaints_total, count(c.*)"
            " FROM churn.customer_score p LEFT JOIN churn.complaint c USING (customer_id)"
            " GROUP BY 1, 2 ORDER BY 1"
        )
        rows = cur.fetchall()
        assert all(stored == counted for _, stored, counted in rows), rows
        assert sum(counted for *_, counted in rows) == total
        cur.execute("SELECT count(*), count(DISTINCT model_id) FROM churn.score_log")
        logged, models_used = cur.fetchone()
        assert logged == total and models_used == 2 and switches >= 2
        cur.execute("SELECT count(*) FROM churn.scoring_error")
        assert cur.fetchone() == (0,)
        # each logged score is exactly what its own model gives for its logged features
        cur.execute(
            "SELECT count(*) FROM (SELECT * FROM churn.score_log ORDER BY random() LIMIT 200) s"
            " WHERE churn.predict(s.features, s.model_id) <> s.score"
        )
        assert cur.fetchone() == (0,)
    print(
        f"\n{total} inserts by {SESSIONS} sessions in {elapsed:.1f}s "
        f"({total / elapsed:.0f}/s), {switches} model switches"
    )
