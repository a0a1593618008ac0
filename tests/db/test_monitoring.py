"""Monitoring views: AUC against scikit-learn, PSI and Jensen-Shannon by hand, point in time."""

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from tests.db.helpers import add_customer

pytestmark = pytest.mark.demo_profile

SCORE_EDGES = [0.1, 0.2, 0.4]
SCORE_FRACTIONS = [0.25, 0.25, 0.25, 0.25]
BASELINES = {
    "score": {"edges": SCORE_EDGES, "fractions": SCORE_FRACTIONS, "missing_fraction": 0.0},
    "numeric": {
        "monthly_charges": {"edges": [50.0], "fractions": [0.5, 0.5], "missing_fraction": 0.0},
        # Trained on, but not read by the fitted model (sklearn2pmml leaves it out of the
        # MiningSchema), so never logged: it must not look like a feature gone missing.
        "phone_service": {"edges": [0.5], "fractions": [0.1, 0.9], "missing_fraction": 0.0},
    },
    "categorical": {
        "contract_type": {"frequencies": {"month-to-month": 0.5, "one-year": 0.3, "two-year": 0.2}}
    },
}


def add_model(cur, name="m", horizon=90):
    cur.execute(
        "INSERT INTO churn.model (name, pmml, pmml_sha256, baselines, training_summary,"
        " input_fields) VALUES (%s, '<PMML/>', encode(sha256(%s::bytea), 'hex'), %s, %s, %s)"
        " RETURNING model_id",
        (
            name,
            name,
            json.dumps(BASELINES),
            json.dumps({"horizon_days": horizon}),
            json.dumps([{"name": "monthly_charges"}, {"name": "contract_type"}]),
        ),
    )
    return cur.fetchone()[0]


def log(cur, model_id, customer_id, score, scored_at, features=None):
    cur.execute(
        "INSERT INTO churn.score_log (customer_id, model_id, score, features, triggered_by, scored_at)"
        " VALUES (%s, %s, %s, %s, 'batch', %s)",
        (customer_id, model_id, score, json.dumps(features or {}), scored_at),
    )


def psi(expected, actual):
    return sum(
        (max(a, 1e-4) - max(e, 1e-4)) * math.log(max(a, 1e-4) / max(e, 1e-4))
        for e, a in zip(expected, actual, strict=True)
    )


def test_auc_of_the_view_equals_scikit_learn_on_the_same_rows(conn):
    rng = np.random.default_rng(3)
    now = datetime.now(UTC)
    month = (now - timedelta(days=200)).replace(day=10, hour=12)
    with conn.cursor() as cur:
        model_id = add_model(cur)
        for cid in range(1, 301):
            churns = rng.uniform() < 0.3
            score = float(
                np.clip(rng.normal(0.6 if churns else 0.4, 0.2), 0, 1).round(2)
            )  # ties on purpose
            add_customer(cur, cid)
            if churns:
                when = month + timedelta(days=int(rng.integers(1, 80)))
                cur.execute(
                    "UPDATE churn.customer_profile SET churned_at = %s WHERE customer_id = %s",
                    (when, cid),
                )
            log(cur, model_id, cid, score, month)
            log(
                cur, model_id, cid, 0.5, month - timedelta(days=3)
            )  # earlier in the month: superseded
        # a score logged after the customer churned, and one whose horizon has not passed
        add_customer(cur, 900)
        cur.execute(
            "UPDATE churn.customer_profile SET churned_at = %s WHERE customer_id = 900", (month,)
        )
        log(cur, model_id, 900, 0.99, month + timedelta(days=1))
        add_customer(cur, 901)
        log(cur, model_id, 901, 0.99, now - timedelta(days=5))
        cur.execute(
            "SELECT customer_id, score, churned FROM churn.performance_rows WHERE model_id = %s",
            (model_id,),
        )
        rows = cur.fetchall()
        cur.execute(
            "SELECT customers, roc_auc, precision_at_top_10pct, mean_predicted, observed_churn_rate"
            " FROM churn.model_performance WHERE model_id = %s",
            (model_id,),
        )
        customers, auc, precision, mean_predicted, observed = cur.fetchone()
    ids = {r[0] for r in rows}
    assert 900 not in ids, "a score logged after churn never counts"
    assert 901 not in ids, "an outcome still unknown never counts"
    assert len(rows) == customers == 300
    y = np.array([r[2] for r in rows])
    s = np.array([r[1] for r in rows])
    assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    top = np.argsort(-s, kind="stable")[:30]
    assert precision == pytest.approx(
        y[top].mean(), abs=0.04
    )  # ties at the cut may order differently
    assert mean_predicted == pytest.approx(s.mean()) and observed == pytest.approx(y.mean())


def test_score_drift_is_the_psi_of_the_logged_scores(conn):
    day = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=2)
    stable = [0.05, 0.15, 0.3, 0.5] * 25
    shifted = [0.9] * 70 + [0.05] * 30
    with conn.cursor() as cur:
        model_id = add_model(cur)
        add_customer(cur, 1)
        for score in stable:
            log(cur, model_id, 1, score, day)
        for score in shifted:
            log(cur, model_id, 1, score, day + timedelta(days=1))
        cur.execute(
            "SELECT day, scores, psi, band FROM churn.score_drift WHERE model_id = %s ORDER BY day",
            (model_id,),
        )
        (d1, n1, psi1, band1), (d2, n2, psi2, band2) = cur.fetchall()
    assert (n1, n2) == (100, 100)
    assert psi1 == pytest.approx(0.0, abs=1e-12) and band1.startswith("stable")
    assert psi2 == pytest.approx(psi(SCORE_FRACTIONS, [0.3, 0.0, 0.0, 0.7]), rel=1e-12)
    assert band2.startswith("significant")


def test_feature_drift_psi_js_and_unseen_categories(conn):
    now = datetime.now(UTC) - timedelta(hours=1)
    live = [
        *({"monthly_charges": 80.0, "contract_type": "month-to-month"} for _ in range(60)),
        *({"monthly_charges": 20.0, "contract_type": "one-year"} for _ in range(30)),
        *({"monthly_charges": None, "contract_type": "quarterly"} for _ in range(10)),
    ]
    with conn.cursor() as cur:
        model_id = add_model(cur)
        add_customer(cur, 1)
        for features in live:
            log(cur, model_id, 1, 0.3, now, features)
        cur.execute(
            "SELECT feature, metric, value, live_rows, unseen_categories, flag"
            " FROM churn.feature_drift WHERE model_id = %s ORDER BY feature",
            (model_id,),
        )
        rows = {r[0]: r[1:] for r in cur.fetchall()}
    assert sorted(rows) == ["contract_type", "monthly_charges"]  # not phone_service
    metric, value, n, unseen, flag = rows["monthly_charges"]
    assert metric == "psi" and n == 100 and unseen == 0
    assert value == pytest.approx(psi([0.0, 0.5, 0.5], [0.1, 0.3, 0.6]), rel=1e-12)
    metric, value, n, unseen, flag = rows["contract_type"]
    p = {"month-to-month": 0.5, "one-year": 0.3, "two-year": 0.2, "quarterly": 0.0}
    q = {"month-to-month": 0.6, "one-year": 0.3, "two-year": 0.0, "quarterly": 0.1}
    m = {k: (p[k] + q[k]) / 2 for k in p}
    js = sum(0.5 * v * math.log2(v / m[k]) for k, v in p.items() if v) + sum(
        0.5 * v * math.log2(v / m[k]) for k, v in q.items() if v
    )
    assert metric == "jensen_shannon" and value == pytest.approx(js, rel=1e-9)
    assert unseen == 1 and flag == "drift"


def test_scoring_health_counts_this_hour(conn):
    with conn.cursor() as cur:
        model_id = add_model(cur)
        add_customer(cur, 1)
        add_customer(cur, 2)
        for _ in range(3):
            log(cur, model_id, 1, 0.3, datetime.now(UTC))
        cur.execute(
            "INSERT INTO churn.scoring_error (customer_id, error, triggered_by) VALUES (2, 'x', 'complaint')"
        )
        cur.execute(
            "UPDATE churn.customer_score SET churn_score_stale = true, churn_scored_at = now() - interval '3 days' WHERE customer_id = 2"
        )
        cur.execute(
            "SELECT scores, errors, stale_profiles, unscored_profiles, oldest_score_age"
            " FROM churn.scoring_health ORDER BY hour DESC LIMIT 1"
        )
        scores, errors, stale, unscored, oldest = cur.fetchone()
        cur.execute("SELECT count(*) FROM churn.scoring_health")
        hours = cur.fetchone()[0]
    assert (scores, errors, stale, unscored, hours) == (3, 1, 1, 1, 24)
    assert oldest >= timedelta(days=3)


def test_monitor_command_reports_and_exits_2_on_a_breach(conn, db_url):
    from click.testing import CliRunner

    from pgchurn.cli import main

    with conn.cursor() as cur:
        add_customer(cur, 1)  # before a model is active: not scored at commit
        model_id = add_model(cur)
        cur.execute("UPDATE churn.model SET status = 'active' WHERE model_id = %s", (model_id,))
        for score in [0.05, 0.15, 0.3, 0.5] * 25:
            log(cur, model_id, 1, score, datetime.now(UTC))
    conn.commit()
    ok = CliRunner().invoke(
        main,
        [
            "--database-url",
            db_url,
            "monitor",
            "--max-oldest-score-hours",
            "1e9",
            "--max-feature-drift",
            "99",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "0 breach(es)" in ok.output and "score drift" in ok.output
    with conn.cursor() as cur:
        for _ in range(100):
            log(cur, model_id, 1, 0.95, datetime.now(UTC))
    conn.commit()
    bad = CliRunner().invoke(
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
    assert bad.exit_code == 3, "3: a breach (2 is a usage error)"
    document = json.loads(bad.stdout)
    assert any("score PSI" in b for b in document["breaches"])
    assert document["score_drift"][0]["band"].startswith("significant")
