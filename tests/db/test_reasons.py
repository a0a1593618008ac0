"""churn.explain on demo-like data: the sign rule, its arguments and its errors.

The database is seeded by the demo's generator and the models are trained by `pgchurn
train`'s own code, which writes node weights from the training rows into the document.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg2
import pytest
from pgchurn.train import trainer

from pgchurn.seed import SeedSpec, seed_database

EXPLAIN_ALL = """
SELECT p.customer_id, e.feature, e.contribution
  FROM churn.customer_profile p, churn.explain(p.customer_id, %s) e
 WHERE p.churned_at IS NULL
"""


@pytest.fixture
def seeded(db_url):
    seed_database(db_url, SeedSpec(4000, seed=11, now=datetime.now(UTC)))
    return db_url


def _top_reasons(conn, model_id):
    """(margin, contribution of the largest reason) per current customer."""
    by_customer: dict[int, list[tuple[str, float]]] = {}
    with conn.cursor() as cur:
        cur.execute(EXPLAIN_ALL, (model_id,))
        for customer_id, feature, contribution in cur:
            by_customer.setdefault(customer_id, []).append((feature, contribution))
    out = []
    for rows in by_customer.values():
        margin = sum(c for _, c in rows)
        reasons = [c for f, c in rows if f != "(base value)"]
        out.append((margin, max(reasons, key=abs)))
    return sorted(out)


@pytest.mark.parametrize("kind", ["gbdt", "logistic"])  # the default, and linear reasons
def test_top_reason_raises_the_risk_of_the_riskiest_and_lowers_it_for_the_safest(
    seeded, conn, kind
):
    opts = trainer.Options(kind, min_holdout_churners=20)
    result = trainer.run(seeded, opts, register_to=seeded, say=lambda _: None)
    ranked = _top_reasons(conn, result.model_id)
    riskiest = ranked[-max(1, len(ranked) // 100) :]
    safest = ranked[: len(ranked) // 10]
    raised = sum(top > 0 for _, top in riskiest) / len(riskiest)
    lowered = sum(top < 0 for _, top in safest) / len(safest)
    print(f"{kind}: {len(ranked)} current customers; top reason raises the risk for "
          f"{raised:.1%} of the riskiest {len(riskiest)}, lowers it for {lowered:.1%} "
          f"of the safest {len(safest)}")  # fmt: skip
    assert raised >= 0.9
    assert lowered >= 0.8


def _error(conn, query, params):
    with conn.cursor() as cur, pytest.raises(psycopg2.Error) as caught:
        cur.execute(query, params)
    conn.rollback()
    return caught.value


def test_explain_takes_a_model_and_a_time_and_names_what_is_wrong(seeded, conn):
    opts = trainer.Options("logistic", min_holdout_churners=20)
    result = trainer.run(seeded, opts, register_to=seeded, activate_it=True, say=lambda _: None)
    model_id = result.model_id
    with conn.cursor() as cur:
        cur.execute("SELECT min(customer_id), min(customer_since) FROM churn.customer_profile")
        customer_id, _ = cur.fetchone()
        cur.execute("SELECT feature, contribution FROM churn.explain(%s)", (customer_id,))
        default = cur.fetchall()
        cur.execute(
            "SELECT feature, contribution FROM churn.explain(%s, %s, now())",
            (customer_id, model_id),
        )
        assert cur.fetchall() == default
        cur.execute(
            "SELECT sum(contribution) FROM churn.explain(%s, as_of => now() - interval '60 days')",
            (customer_id,),
        )
        assert cur.fetchone()[0] is not None
    conn.commit()
    unknown = _error(conn, "SELECT * FROM churn.explain(%s, 999999)", (customer_id,))
    assert "model 999999 does not exist" in str(unknown)
    missing = _error(conn, "SELECT * FROM churn.explain(987654321)", ())
    assert "customer 987654321 does not exist" in str(missing)
    early = _error(conn, "SELECT * FROM churn.explain(%s, as_of => '1990-01-01')", (customer_id,))
    assert f"customer {customer_id} was not a customer yet" in str(early)
