"""Severity in the features (revision 0014): max_severity_30d and severity_sum_90d.

Checked against an independent computation in pandas (`example_data.complaint_features`) on
seeded data, against a hand computation, through the composite churn.features that the
rescoring statement casts by position, and across a downgrade to 0013 with data.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import psycopg2
import pytest

from pgchurn import example_data as ed
from pgchurn import migrate, seed
from tests.db.helpers import add_customer, complain
from tests.db.test_migrations import CATALOG

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SEVERITY = ["max_severity_30d", "severity_sum_90d"]


def frame(cur, query: str, params=()) -> pd.DataFrame:
    cur.execute(query, params)
    return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])


def test_severity_features_are_those_pandas_computes_from_the_complaints(db_url, conn):
    seed.seed_database(db_url, seed.SeedSpec(customers=3000, seed=9, now=NOW, chunk_size=1000))
    as_of = datetime(2026, 9, 20, 13, 5, tzinfo=UTC)  # between days, so no boundary ties
    with conn.cursor() as cur:
        got = frame(
            cur,
            "SELECT customer_id, max_severity_30d, severity_sum_90d, severe_complaints_90d"
            " FROM churn.feature_frame(%s) ORDER BY customer_id",
            (as_of,),
        )
        customers = frame(cur, "SELECT customer_id, customer_since FROM churn.customer_profile")
        complaints = frame(cur, "SELECT customer_id, created_at, severity FROM churn.complaint")
    complaints["created_at"] = complaints["created_at"].dt.tz_convert(None)
    complaints["severity"] = complaints["severity"].astype(int)
    customers["customer_since"] = pd.to_datetime(customers["customer_since"])
    want = ed.complaint_features(customers, complaints, as_of).set_index("customer_id")
    got = got.set_index("customer_id")
    want = want.loc[got.index, [*SEVERITY, "severe_complaints_90d"]]
    assert (got["max_severity_30d"] > 0).sum() > 50 and got["severity_sum_90d"].max() >= 10
    pd.testing.assert_frame_equal(got.astype("int64"), want.astype("int64"))


@pytest.mark.demo_profile
def test_a_complaint_moves_the_severity_features_by_hand(conn):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        add_customer(cur, 2)
        for days_ago, severity in ((1, 2), (10, 4), (40, 5), (100, 3)):
            complain(cur, 1, days_ago=days_ago, severity=severity, now=False)
        cur.execute(
            "SELECT customer_id, max_severity_30d, severity_sum_90d,"
            " (f::churn.features).max_severity_30d, (f::churn.features).severity_sum_90d,"
            " (f::churn.features).attributes = f.attributes"
            " FROM churn.feature_frame(now()) f ORDER BY 1"
        )
        assert cur.fetchall() == [(1, 4, 2 + 4 + 5, 4, 11, True), (2, 0, 0, 0, 0, True)]
        cur.execute("SELECT churn.customer_features(1)")
        features = cur.fetchone()[0]
        assert (features["max_severity_30d"], features["severity_sum_90d"]) == (4, 11)
        cur.execute(
            "SELECT column_name FROM churn.profile_attribute"
            " WHERE not_an_input_because LIKE 'a feature pgchurn derives%%'"
        )
        assert cur.fetchall() == []  # no profile column is named like one


def catalog(url: str) -> set[str]:
    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute(CATALOG)
        return {r[0] for r in cur.fetchall()}


def test_0014_downgrades_to_0013s_features_on_a_database_with_data(empty_db_url):
    migrate.upgrade(empty_db_url, "0013")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("INSERT INTO churn.customer_profile (customer_id) VALUES (1)")
        cur.execute(
            "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
            " VALUES (1, 'billing', 5, 'chat')"
        )
    at_0013 = catalog(empty_db_url)
    migrate.upgrade(empty_db_url)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT max_severity_30d, severity_sum_90d FROM churn.feature_frame(now())")
        assert cur.fetchall() == [(5, 5)]
        cur.execute(
            "ALTER TABLE churn.customer_profile ADD COLUMN max_severity_30d integer;"
            " SELECT not_an_input_because FROM churn.profile_attribute"
            " WHERE column_name = 'max_severity_30d'"
        )
        assert cur.fetchone()[0].startswith("a feature pgchurn derives has this name")
        c.rollback()
    migrate.downgrade(empty_db_url, "0013")
    assert catalog(empty_db_url) == at_0013
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT customer_id, severe_complaints_90d FROM churn.feature_frame(now())")
        assert cur.fetchall() == [(1, 1)]
    migrate.upgrade(empty_db_url)
