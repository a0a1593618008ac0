"""Reasons computed on demand from a logged row are the reasons computed at scoring time.

Since revision 0016 the write path logs a score's inputs (packed, in the model's field order)
and no reasons: churn.score_log recomputes them when they are read. Revision 0015 still
computed them while scoring, and logged them with the features. So a database that scored at
0015 holds both; after the upgrade, recomputing each 0015 row's reasons from its logged
features must give the logged text, bit for bit.
"""

from __future__ import annotations

import json
import random

import psycopg2
import pytest
from pgchurn.plpython import log_codec
from pgchurn.plpython.pmml import compile_pmml

from pgchurn import migrate
from tests import datasets
from tests.db.helpers import activate, add_customer, complain, install_demo_attributes, register

pytestmark = pytest.mark.demo_profile


def customers(cur, rng: random.Random, count: int) -> None:
    """Profiles unlike one another: odd charges, every tenure, every category, flags."""
    for customer_id in range(1, count + 1):
        add_customer(
            cur,
            customer_id,
            tenure_months=rng.randint(0, 90),
            monthly_charges=rng.choice([rng.uniform(5, 250), 0.0, 1e-3, 0.1 + 0.2]),
            contract_type=rng.choice(datasets.CATEGORIES["contract_type"]),
            payment_method=rng.choice(datasets.CATEGORIES["payment_method"]),
            internet_service=rng.choice(datasets.CATEGORIES["internet_service"]),
            senior_citizen=rng.random() < 0.3,
            tech_support=rng.random() < 0.5,
        )


def test_reasons_logged_at_0015_come_back_bit_for_bit_from_the_logged_inputs(empty_db_url, trained):
    rng = random.Random(19)
    migrate.upgrade(empty_db_url, "0015")
    install_demo_attributes(empty_db_url)
    pmml = trained("gbdt").pmml
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        model_id = register(cur, pmml, "gbdt")
        activate(cur, model_id)
        customers(cur, rng, 60)
        for customer_id in range(1, 61):
            for _ in range(rng.randint(1, 3)):
                complain(cur, customer_id, days_ago=rng.uniform(0, 120), severity=rng.randint(1, 5))
        cur.execute(
            "SELECT score_log_id, model_id, score, features::text, reasons::text"
            " FROM churn.score_log ORDER BY score_log_id"
        )
        at_0015 = cur.fetchall()
    assert len(at_0015) >= 100
    assert all(json.loads(row[4]) for row in at_0015), "0015 logged reasons with every score"

    migrate.upgrade(empty_db_url)
    order = compile_pmml(pmml).input_order
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(
            "SELECT score_log_id, model_id, score, features::text, reasons::text"
            " FROM churn.score_log ORDER BY score_log_id"
        )
        assert cur.fetchall() == at_0015, "the upgrade keeps every logged row as it was"
        for _, logged_model, _, features, reasons in at_0015:
            inputs = log_codec.encode(order, json.loads(features))
            cur.execute(
                "SELECT churn._logged_reasons(%s, %s)::text",
                (logged_model, psycopg2.Binary(inputs)),
            )
            assert cur.fetchone()[0] == reasons
