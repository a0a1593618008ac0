"""churn.feature_drift reads folded hours as counts, and says the same before and after a fold.

The expected PSI and Jensen-Shannon values are computed by hand from the rows logged here,
with the window and the churn rule applied by hand: the last 30 days, and no score of a
customer who had churned when scored.
"""

import math
from datetime import timedelta

import pytest

from tests.db.helpers import add_customer
from tests.db.test_monitoring import add_model, log, psi

pytestmark = pytest.mark.demo_profile

MTM, ONE, TWO = "month-to-month", "one-year", "two-year"


def js(p, q):
    keys = set(p) | set(q)
    m = {k: (p.get(k, 0) + q.get(k, 0)) / 2 for k in keys}
    return sum(0.5 * v * math.log2(v / m[k]) for d in (p, q) for k, v in d.items() if v)


def drift(cur, model_id):
    cur.execute(
        "SELECT feature, value, live_rows FROM churn.feature_drift WHERE model_id = %s",
        (model_id,),
    )
    return {feature: (value, rows) for feature, value, rows in cur.fetchall()}


def test_folded_hours_give_the_hand_computed_drift_and_churned_scores_stay_out(conn, login_as):
    with conn.cursor() as cur:
        cur.execute("SELECT now()")
        (now,) = cur.fetchone()
        model_id = add_model(cur)
        add_customer(cur, 1)
        add_customer(cur, 2)
        cur.execute(
            "UPDATE churn.customer_profile SET churned_at = %s WHERE customer_id = 2",
            (now - timedelta(days=20),),
        )
        batches = [  # customer, rows, age, monthly_charges, contract_type
            (1, 40, timedelta(hours=3), 80.0, MTM),  # whole hours, folded
            (1, 30, timedelta(days=10), 50.0, ONE),  # exactly on an edge: bin 1, (-inf, 50]
            (1, 20, timedelta(days=30) - timedelta(minutes=10), None, TWO),  # oldest hour
            (1, 10, timedelta(days=30) + timedelta(minutes=10), 80.0, MTM),  # outside
            (1, 10, timedelta(minutes=5), 20.0, "quarterly"),  # newest hour, not folded
            (2, 7, timedelta(days=10), 80.0, MTM),  # churned 20 days ago: left out
            (2, 5, timedelta(days=25), 20.0, MTM),  # before the churn: counted
        ]
        for customer, rows, age, charges, contract in batches:
            for _ in range(rows):
                log(
                    cur,
                    model_id,
                    customer,
                    0.3,
                    now - age,
                    {"monthly_charges": charges, "contract_type": contract},
                )
        n = 105
        expected_psi = psi([0.0, 0.5, 0.5], [20 / n, 45 / n, 40 / n])
        expected_js = js(
            {MTM: 0.5, ONE: 0.3, TWO: 0.2},
            {MTM: 45 / n, ONE: 30 / n, TWO: 20 / n, "quarterly": 10 / n},
        )

        before = drift(cur, model_id)
        cur.execute("SELECT churn.fold_feature_drift()")
        (buckets,) = cur.fetchone()
        after = drift(cur, model_id)
        cur.execute("SELECT churn.fold_feature_drift()")  # nothing left to fold
        (again,) = cur.fetchone()
        cur.execute(
            "SELECT sum(n) FILTER (WHERE hour >= now() - interval '2 hours'),"
            " sum(n) FILTER (WHERE hour > now() - interval '29 days')"
            " FROM churn.drift_tally WHERE model_id = %s",
            (model_id,),
        )
        newest, whole = cur.fetchone()

    for result in (before, after):
        assert result["monthly_charges"][0] == pytest.approx(expected_psi, rel=1e-12)
        assert result["monthly_charges"][1] == n
        assert result["contract_type"][0] == pytest.approx(expected_js, rel=1e-9)
        assert result["contract_type"][1] == n
    assert buckets > 0 and again == 0
    # the newest hour is within the grace hour: not folded; the middle ones are, per feature
    assert newest is None
    assert whole == 2 * (40 + 30 + 5)
    conn.commit()

    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur:
        assert drift(cur, model_id)["monthly_charges"][1] == n
        cur.execute("SELECT churn.fold_feature_drift()")
        assert cur.fetchone()[0] == 0
