"""notify_mode = 'outbox' (revision 0008): notifications are queued with the event and relayed.

The scoring transaction queues each churn_score notification in churn.notification_outbox
instead of calling pg_notify; churn.relay_notifications() sends the queue in order. These
tests check that nothing is sent at the event's commit, that the relay delivers exactly what
commit mode would have sent (plus notification_id), in order, once, and that a rolled-back
event queues nothing.
"""

import json
import select
import time

import psycopg2
import pytest
from click.testing import CliRunner

from pgchurn.cli import main
from pgchurn.relay_cli import relay
from tests.db.helpers import activate, add_customer, complain, register

pytestmark = pytest.mark.demo_profile


@pytest.fixture
def lr(trained):
    return trained("logistic")


@pytest.fixture
def listener(db_url):
    c = psycopg2.connect(db_url)
    c.autocommit = True
    with c.cursor() as cur:
        cur.execute("LISTEN churn_score")
    try:
        yield c
    finally:
        c.close()


def received(listener, wait, want=None):
    """Payloads (parsed) that arrived within `wait` seconds, in arrival order; stops early
    once `want` have arrived."""
    deadline = time.monotonic() + wait
    out = []
    while (left := deadline - time.monotonic()) > 0 and (want is None or len(out) < want):
        if select.select([listener], [], [], left) != ([], [], []):
            listener.poll()
            out += [json.loads(n.payload) for n in listener.notifies]
            listener.notifies.clear()
    return out


def set_mode(cur, mode):
    cur.execute("UPDATE churn.setting SET value = %s WHERE name = 'notify_mode'", (mode,))


@pytest.fixture
def every_score_notifies(conn, lr):
    """LR active; threshold 0 and delta 0, so that every score sends a notification.

    Customers 1-8 exist before the activation, so that only complaints score them (a profile
    inserted while a model is active is scored, and notified, at its commit).
    """
    with conn.cursor() as cur:
        for customer_id in range(1, 9):
            add_customer(cur, customer_id)
        activate(cur, register(cur, lr.pmml, "lr"))
        cur.execute(
            "UPDATE churn.setting SET value = '0.0'"
            " WHERE name IN ('notify_threshold', 'notify_delta')"
        )
    conn.commit()


def test_outbox_mode_queues_at_the_event_and_the_relay_sends_what_commit_mode_sends(
    conn, listener, every_score_notifies
):
    with conn.cursor() as cur:
        complain(cur, 1)  # commit mode: sent by the event's own commit
    conn.commit()
    [direct] = received(listener, wait=2.0, want=1)

    with conn.cursor() as cur:
        set_mode(cur, "outbox")
    conn.commit()
    with conn.cursor() as cur:
        complain(cur, 1)  # a one-row statement
        cur.execute(  # the set-based path: one statement, two customers
            "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
            " VALUES (2, 'billing', 2, 'chat'), (3, 'billing', 2, 'chat')"
        )
    conn.commit()
    assert received(listener, wait=0.5) == [], "outbox mode sends nothing at the event's commit"

    with conn.cursor() as cur:
        cur.execute("SELECT notification_id, payload FROM churn.notification_outbox ORDER BY 1")
        queued = cur.fetchall()
        assert len(queued) == 3
        cur.execute(
            "SELECT customer_id, score_log_id FROM churn.score_log"
            " WHERE triggered_by = 'complaint' ORDER BY score_log_id DESC LIMIT 3"
        )
        logged = dict(cur.fetchall())
        cur.execute("SELECT churn.relay_notifications()")
        assert cur.fetchone() == (3,)
        cur.execute("SELECT count(*) FROM churn.notification_outbox")
        assert cur.fetchone() == (0,), "the relay deletes what it sent"
    assert received(listener, wait=0.3) == [], "delivered when the relay commits, not before"
    conn.commit()
    sent = received(listener, wait=2.0, want=3)

    assert [m["notification_id"] for m in sent] == [q[0] for q in queued], "oldest first, once"
    assert {m["customer_id"]: m["score_log_id"] for m in sent} == logged
    # the same message as commit mode's, identifiers only, plus its notification_id
    assert set(direct) == {"customer_id", "score_log_id"}
    assert set(sent[0]) == set(direct) | {"notification_id"}

    with conn.cursor() as cur:
        cur.execute("SELECT churn.relay_notifications()")
        assert cur.fetchone() == (0,)
    conn.commit()
    assert received(listener, wait=0.3) == []


def test_a_rolled_back_event_queues_nothing_and_a_rolled_back_relay_keeps_the_queue(
    conn, listener, every_score_notifies
):
    with conn.cursor() as cur:
        set_mode(cur, "outbox")
    conn.commit()
    with conn.cursor() as cur:
        complain(cur, 1)
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.notification_outbox")
        assert cur.fetchone() == (0,)
        complain(cur, 2)
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("SELECT churn.relay_notifications()")
        assert cur.fetchone() == (1,)
    conn.rollback()
    assert received(listener, wait=0.5) == []
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.notification_outbox")
        assert cur.fetchone() == (1,), "a relay that rolls back sends nothing and keeps the row"


def test_relay_sends_in_batches_and_the_cli_empties_the_queue(
    conn, db_url, listener, every_score_notifies
):
    with conn.cursor() as cur:
        set_mode(cur, "outbox")
    conn.commit()
    with conn.cursor() as cur:
        for customer_id in range(1, 9):
            complain(cur, customer_id)
    conn.commit()

    batches = []
    total = relay(
        db_url, max_messages=3, interval=0.01, once=True, on_batch=lambda n, t: batches.append(n)
    )
    assert (total, batches) == (8, [3, 3, 2])
    assert [m["customer_id"] for m in received(listener, 2.0, want=8)] == list(range(1, 9))

    with conn.cursor() as cur:
        complain(cur, 1)
    conn.commit()
    result = CliRunner().invoke(main, ["--database-url", db_url, "relay", "--once"])
    assert result.exit_code == 0, result.output
    assert "relayed 1 notifications" in result.output
    assert [m["customer_id"] for m in received(listener, 2.0, want=1)] == [1]


def test_notify_mode_and_relay_arguments_are_checked(conn, db_url):
    with conn.cursor() as cur:
        with pytest.raises(psycopg2.errors.CheckViolation, match="setting_notify_mode_is_known"):
            set_mode(cur, "outbx")
    conn.rollback()
    with conn.cursor() as cur:
        with pytest.raises(psycopg2.errors.InvalidParameterValue, match="max_messages"):
            cur.execute("SELECT churn.relay_notifications(0)")
    conn.rollback()
    result = CliRunner().invoke(main, ["--database-url", db_url, "relay", "--once"])
    assert result.exit_code == 0
    assert "notify_mode is 'commit'" in result.output


def test_downgrade_refuses_while_notifications_are_queued(empty_db_url):
    from pgchurn import migrate

    migrate.upgrade(empty_db_url)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("INSERT INTO churn.notification_outbox (payload) VALUES ('{}')")
    with pytest.raises(Exception, match="1 unsent notifications") as refused:
        migrate.downgrade(empty_db_url, "0007")
    assert "relay_notifications" in str(refused.value)
    assert migrate.current_revision(empty_db_url) == migrate.head_revision()

    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT churn.relay_notifications()")
    migrate.downgrade(empty_db_url, "0007")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(
            "SELECT to_regclass('churn.notification_outbox'), count(*) FROM churn.setting"
            " WHERE name = 'notify_mode'"
        )
        assert cur.fetchone() == (None, 0)
