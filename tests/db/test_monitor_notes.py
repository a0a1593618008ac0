"""`pgchurn monitor` says why a model has no live performance rows, never a bare empty table."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from pgchurn.cli import main
from tests.db.helpers import add_customer
from tests.db.test_monitoring import add_model, log

pytestmark = pytest.mark.demo_profile


def monitor_json(db_url):
    result = CliRunner().invoke(
        main,
        [
            "--database-url",
            db_url,
            "monitor",
            "--json",
            "--max-oldest-score-hours",
            "1e9",
            "--max-feature-drift",
            "99",
        ],
    )
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.stdout)


def notes_of(document, model_id):
    return [n["note"] for n in document["performance_notes"] if n["model_id"] == model_id]


def test_an_active_model_that_never_scored_is_said_so(conn, db_url):
    with conn.cursor() as cur:
        model_id = add_model(cur, horizon=30)
        cur.execute("UPDATE churn.model SET status = 'active' WHERE model_id = %s", (model_id,))
    conn.commit()
    (note,) = notes_of(monitor_json(db_url), model_id)
    assert "never scored a customer" in note and f"model {model_id} (active)" in note


def test_scores_whose_horizon_is_open_give_the_date_of_the_first_rows(conn, db_url):
    first = datetime.now(UTC) - timedelta(days=10)
    with conn.cursor() as cur:
        model_id = add_model(cur, horizon=30)
        cur.execute("UPDATE churn.model SET status = 'active' WHERE model_id = %s", (model_id,))
        add_customer(cur, 1)
        add_customer(cur, 2)
        log(cur, model_id, 1, 0.2, first)  # the earliest score, and its customer's only one
        log(cur, model_id, 2, 0.3, first + timedelta(days=1))
        log(cur, model_id, 2, 0.4, first + timedelta(days=2))
        cur.execute("SELECT to_char(%s::timestamptz + interval '30 days', 'YYYY-MM-DD')", (first,))
        (ready,) = cur.fetchone()
    conn.commit()
    document = monitor_json(db_url)
    assert [r for r in document["performance"] if r["model_id"] == model_id] == []
    (note,) = notes_of(document, model_id)
    assert "logged 3 score(s) of 2 customer(s)" in note
    assert "horizon, 30 days" in note and f"the first rows can appear on {ready}" in note


def test_the_date_follows_the_score_the_view_counts_the_last_of_the_month(conn, db_url):
    # Two scores in one month: the view counts the later one, so its horizon decides.
    now = datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    late = now - timedelta(minutes=30)
    # Both in one month, in any server time zone (15 hours from either end of the UTC month).
    if late < start + timedelta(hours=16):
        late = start - timedelta(hours=15)
        start = late.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    early = start + timedelta(hours=15)
    with conn.cursor() as cur:
        model_id = add_model(cur, horizon=5)
        add_customer(cur, 1)
        log(cur, model_id, 1, 0.2, early)
        log(cur, model_id, 1, 0.3, late)
        cur.execute("SELECT to_char(%s::timestamptz + interval '5 days', 'YYYY-MM-DD')", (late,))
        (ready,) = cur.fetchone()
    conn.commit()
    (note,) = notes_of(monitor_json(db_url), model_id)
    assert f"can appear on {ready}" in note


def test_scores_logged_after_churn_never_count_and_the_note_says_so(conn, db_url):
    with conn.cursor() as cur:
        model_id = add_model(cur, horizon=30)
        add_customer(cur, 1)
        cur.execute("UPDATE churn.customer_profile SET churned_at = now() - interval '60 days'")
        log(cur, model_id, 1, 0.9, datetime.now(UTC) - timedelta(days=40))
    conn.commit()
    (note,) = notes_of(monitor_json(db_url), model_id)
    assert "all after the customer had churned" in note


def test_a_month_where_nobody_churned_says_why_it_has_no_auc(conn, db_url):
    with conn.cursor() as cur:
        model_id = add_model(cur, horizon=30)
        for k in (1, 2, 3):
            add_customer(cur, k)
            log(cur, model_id, k, 0.1 * k, datetime.now(UTC) - timedelta(days=45))
    conn.commit()
    document = monitor_json(db_url)
    (row,) = [r for r in document["performance"] if r["model_id"] == model_id]
    assert row["roc_auc"] is None and row["churned"] == 0
    (note,) = notes_of(document, model_id)
    assert "none of its 3 customer(s) with a known outcome churned" in note


def test_the_table_output_prints_the_reason(conn, db_url):
    with conn.cursor() as cur:
        model_id = add_model(cur, horizon=30)
        cur.execute("UPDATE churn.model SET status = 'active' WHERE model_id = %s", (model_id,))
    conn.commit()
    result = CliRunner().invoke(
        main, ["--database-url", db_url, "monitor", "--max-oldest-score-hours", "1e9"]
    )
    assert f"model {model_id} (active) has no performance rows" in result.output
