"""A complaint insert updates the customer's counters in the same transaction."""

from datetime import UTC, datetime, timedelta

import psycopg2
import pytest

from tests.db.helpers import score_now

pytestmark = pytest.mark.demo_profile

PROFILE = """
INSERT INTO churn.customer_profile
    (customer_id, contract_type, monthly_charges, payment_method, internet_service)
VALUES (%s, 'month-to-month', 70.5, 'electronic-check', 'fiber-optic')
"""
COMPLAINT = """
INSERT INTO churn.complaint (customer_id, created_at, category, severity, channel)
VALUES (%s, %s, %s, %s, %s)
"""


def counters(cur, customer_id):
    score_now(cur)  # what the transaction changed is counted at commit, or now on request
    cur.execute(
        "SELECT complaints_total, last_complaint_at FROM churn.customer_score "
        "WHERE customer_id = %s",
        (customer_id,),
    )
    return cur.fetchone()


def test_complaint_insert_updates_total_and_last_complaint_time(conn):
    t0 = datetime(2026, 1, 10, 9, 30, tzinfo=UTC)
    with conn.cursor() as cur:
        cur.execute(PROFILE, (1,))
        cur.execute(PROFILE, (2,))
        assert counters(cur, 1) == (0, None)
        cur.execute(COMPLAINT, (1, t0, "billing", 3, "phone"))
        assert counters(cur, 1) == (1, t0)
        cur.execute(COMPLAINT, (1, t0 + timedelta(days=2), "network", 5, "chat"))
        assert counters(cur, 1) == (2, t0 + timedelta(days=2))
        # an older complaint filed late does not move last_complaint_at backwards
        cur.execute(COMPLAINT, (1, t0 - timedelta(days=30), "service", 1, "email"))
        assert counters(cur, 1) == (3, t0 + timedelta(days=2))
        assert counters(cur, 2) == (0, None), "another customer's counters must not move"
        cur.execute("SELECT count(*) FROM churn.complaint WHERE customer_id = 1")
        assert cur.fetchone()[0] == 3


def test_counters_roll_back_with_the_complaint(conn):
    with conn.cursor() as cur:
        cur.execute(PROFILE, (7,))
    conn.commit()
    with conn.cursor() as cur:
        cur.execute(COMPLAINT, (7, datetime.now(UTC), "billing", 2, "phone"))
    conn.rollback()
    with conn.cursor() as cur:
        assert counters(cur, 7) == (0, None)


def test_the_company_s_own_complaint_words_are_accepted(conn):
    with conn.cursor() as cur:
        cur.execute(PROFILE, (1,))
        cur.execute(COMPLAINT, (1, datetime.now(UTC), "Stale bread", 4, "Carrier pigeon"))
        cur.execute("SELECT category, channel FROM churn.complaint")
        assert cur.fetchall() == [("Stale bread", "Carrier pigeon")]


@pytest.mark.parametrize(
    ("customer_id", "category", "severity", "channel", "constraint"),
    [
        (99999, "billing", 3, "phone", "complaint_customer_id_fkey"),
        (1, "billing", None, "phone", "complaint_severity_between_1_and_5"),
        (1, "billing", -1, "phone", "complaint_severity_between_1_and_5"),
        (1, "billing", 6, "phone", "complaint_severity_between_1_and_5"),
        (1, None, 3, "phone", "complaint_category_is_given"),
        (1, "   ", 3, "phone", "complaint_category_is_given"),
        (1, "x" * 201, 3, "phone", "complaint_category_is_given"),
        (1, "billing", 3, None, "complaint_channel_is_given"),
        (1, "billing", 3, "", "complaint_channel_is_given"),
    ],
)
def test_bad_complaint_names_the_violated_constraint(
    conn, customer_id, category, severity, channel, constraint
):
    with conn.cursor() as cur:
        cur.execute(PROFILE, (1,))
        with pytest.raises(psycopg2.IntegrityError) as err:
            cur.execute(COMPLAINT, (customer_id, datetime.now(UTC), category, severity, channel))
    assert err.value.diag.constraint_name == constraint
    assert constraint in str(err.value)
