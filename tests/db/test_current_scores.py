"""churn.current_scores: one row per current customer, with the served score and its reasons."""

import pytest

from tests.db.helpers import activate, add_customer, complain, register

pytestmark = pytest.mark.demo_profile


def test_one_row_per_current_customer_with_the_reasons_logged_with_its_score(
    conn, login_as, trained
):
    with conn.cursor() as cur:
        first = register(cur, trained("logistic").pmml, "lr")
        second = register(cur, trained("tree").pmml, "tree")
        for customer_id in (1, 2, 3):  # before a model is active: not scored at commit
            add_customer(cur, customer_id)
        activate(cur, first)
        complain(cur, 1, severity=4)
        complain(cur, 3)
        cur.execute("UPDATE churn.customer_profile SET churned_at = now() WHERE customer_id = 3")
    conn.commit()

    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur:
        cur.execute(
            "SELECT customer_id, score, model_id, stale, not_the_active_model, reasons,"
            " score_log_id FROM churn.current_scores ORDER BY 1"
        )
        rows = {r[0]: r[1:] for r in cur.fetchall()}
        cur.execute(
            "SELECT score, reasons, score_log_id FROM churn.score_log WHERE customer_id = 1"
            " ORDER BY score_log_id DESC LIMIT 1"
        )
        logged = cur.fetchone()
    assert set(rows) == {1, 2}, "the churned customer 3 is left out"
    score, model_id, stale, other_model, reasons, log_id = rows[1]
    assert (score, reasons, log_id) == (pytest.approx(logged[0]), logged[1], logged[2])
    assert model_id == first and not stale and not other_model
    assert len(reasons) == 3 and {"feature", "value", "contribution"} <= set(reasons[0])
    assert rows[2] == (None, None, False, True, None, None), "never scored: no score, no reasons"

    with conn.cursor() as cur:
        activate(cur, second)
    conn.commit()
    with analyst.cursor() as cur:
        cur.execute("SELECT not_the_active_model FROM churn.current_scores WHERE customer_id = 1")
        assert cur.fetchone() == (True,), "model 1's score, while model 2 is active"
