"""Champion and challenger: shadow scoring, a deterministic served share, the report."""

import hashlib
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg2
import pytest
from sklearn.metrics import roc_auc_score

from tests.db.helpers import activate, add_customer, complain, register, score_now, scored_features

pytestmark = pytest.mark.demo_profile


@pytest.fixture
def champion_and_challenger(conn, trained):
    lr, gbdt = trained("logistic"), trained("gbdt")
    with conn.cursor() as cur:
        champion = register(cur, lr.pmml, "lr")
        challenger = register(cur, gbdt.pmml, "gbdt")
        activate(cur, champion)
    conn.commit()
    return (champion, lr), (challenger, gbdt)


def bucket(customer_id: int) -> float:
    """The documented bucket: the first 32 bits of md5(id as text), as a fraction of 2**32."""
    return int(hashlib.md5(str(customer_id).encode()).hexdigest()[:8], 16) / 2**32


def test_bucket_is_the_first_32_bits_of_the_md5_of_the_id(conn):
    ids = [1, 2, 3, 42, 10**6, 2**40 + 7]
    with conn.cursor() as cur:
        cur.execute("SELECT churn.experiment_bucket(id) FROM unnest(%s::bigint[]) id", (ids,))
        sql = [r[0] for r in cur.fetchall()]
    assert sql == [bucket(i) for i in ids]
    assert all(0 <= b < 1 for b in sql)


def test_shadow_challenger_is_logged_but_never_served(conn, champion_and_challenger):
    (champion, lr), (challenger, gbdt) = champion_and_challenger
    with conn.cursor() as cur:
        cur.execute("SELECT churn.set_challenger(%s, 1.0, false)", (challenger,))
        add_customer(cur, 1)
        complain(cur, 1)
        frame = scored_features(cur, 1)
        cur.execute("SELECT churn_score, churn_model_id, churn_variant FROM churn.customer_score")
        score, model_id, variant = cur.fetchone()
        assert (model_id, variant) == (champion, "champion")
        assert score == pytest.approx(float(lr.proba(frame)[0]), abs=1e-9)
        cur.execute(
            "SELECT model_id, variant, served, score FROM churn.score_log ORDER BY variant DESC"
        )
        rows = cur.fetchall()
    assert [r[:3] for r in rows] == [
        (champion, "champion", True),
        (challenger, "challenger", False),
    ]
    assert rows[1][3] == pytest.approx(float(gbdt.proba(frame)[0]), abs=1e-9)


def test_serve_share_serves_the_challenger_to_its_bucket_only(conn, champion_and_challenger):
    (champion, _), (challenger, _) = champion_and_challenger
    share = 0.5
    with conn.cursor() as cur:
        cur.execute("SELECT churn.set_challenger(%s, %s, true)", (challenger, share))
        for cid in range(1, 41):
            add_customer(cur, cid)
        cur.execute(
            "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
            " SELECT g, 'billing', 3, 'phone' FROM generate_series(1, 40) g"
        )
        score_now(cur)
        cur.execute(
            "SELECT customer_id, churn_model_id, churn_variant FROM churn.customer_score ORDER BY 1"
        )
        rows = cur.fetchall()
        cur.execute("SELECT count(*) FROM churn.score_log WHERE served")
        served_logs = cur.fetchone()[0]
    for cid, model_id, variant in rows:
        covered = bucket(cid) < share
        assert (model_id, variant) == (
            (challenger, "challenger") if covered else (champion, "champion")
        )
    assert 0 < sum(v == "challenger" for *_, v in rows) < 40
    assert served_logs == 40, "exactly one served score per customer"


def test_experiment_report_compares_both_on_the_same_outcomes(conn, champion_and_challenger):
    (champion, _), (challenger, _) = champion_and_challenger
    rng = np.random.default_rng(1)
    when = datetime.now(UTC) - timedelta(days=200)
    labels, a, b = [], [], []
    with conn.cursor() as cur:
        for cid in range(1, 121):
            add_customer(cur, cid)
            churns = rng.uniform() < 0.3
            if churns:
                cur.execute(
                    "UPDATE churn.customer_profile SET churned_at = %s WHERE customer_id = %s",
                    (when + timedelta(days=30), cid),
                )
            sa, sb = float(rng.uniform()), float(np.clip(0.5 * churns + rng.uniform() * 0.6, 0, 1))
            for model_id, variant, score in (
                (champion, "champion", sa),
                (challenger, "challenger", sb),
            ):
                cur.execute(
                    "INSERT INTO churn.score_log (customer_id, model_id, score, features, triggered_by,"
                    " variant, served, scored_at) VALUES (%s, %s, %s, '{}', 'batch', %s, %s, %s)",
                    (cid, model_id, score, variant, variant == "champion", when),
                )
            labels.append(int(churns))
            a.append(sa)
            b.append(sb)
        cur.execute(
            "SELECT paired_scores, with_outcome, champion_roc_auc, challenger_roc_auc, challenger_served_share"
            " FROM churn.experiment_report WHERE champion_model_id = %s AND challenger_model_id = %s",
            (champion, challenger),
        )
        pairs, known, auc_a, auc_b, served = cur.fetchone()
    assert (pairs, known, served) == (120, 120, 0)
    assert auc_a == pytest.approx(roc_auc_score(labels, a), abs=1e-12)
    assert auc_b == pytest.approx(roc_auc_score(labels, b), abs=1e-12)
    assert auc_b > auc_a


def test_challenger_rules(conn, champion_and_challenger):
    import psycopg2

    (champion, _), (challenger, _) = champion_and_challenger
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT s")
        with pytest.raises(psycopg2.errors.InvalidParameterValue, match="is active"):
            cur.execute("SELECT churn.set_challenger(%s)", (champion,))
        cur.execute("ROLLBACK TO SAVEPOINT s")
        with pytest.raises(psycopg2.errors.InvalidParameterValue, match="traffic_share"):
            cur.execute("SELECT churn.set_challenger(%s, 1.5)", (challenger,))
        cur.execute("ROLLBACK TO SAVEPOINT s")
        cur.execute("SELECT churn.set_challenger(%s, 0.2)", (challenger,))
        cur.execute(
            "SELECT action, reason FROM churn.model_audit WHERE model_id = %s", (challenger,)
        )
        assert cur.fetchall() == [("register", None), ("challenger", "traffic share 0.2, shadow")]
        cur.execute("SELECT churn.clear_challenger()")
        cur.execute("SELECT count(*) FROM churn.model WHERE status = 'challenger'")
        assert cur.fetchone() == (0,)


def test_challenger_command(conn, db_url, champion_and_challenger):
    from click.testing import CliRunner

    from pgchurn.cli import main

    _, (challenger, _) = champion_and_challenger
    run = CliRunner().invoke(
        main,
        [
            "--database-url",
            db_url,
            "models",
            "challenger",
            str(challenger),
            "--share",
            "0.25",
            "--serve-share",
        ],
    )
    assert run.exit_code == 0, run.output
    assert "served to 25% of customers" in run.output
    with conn.cursor() as cur:
        cur.execute(
            "SELECT status, challenger_share, challenger_serves FROM churn.model WHERE model_id = %s",
            (challenger,),
        )
        assert cur.fetchone() == ("challenger", 0.25, True)
    conn.commit()
    run = CliRunner().invoke(main, ["--database-url", db_url, "models", "challenger", "--clear"])
    assert run.exit_code == 0 and "no challenger" in run.output


def test_a_failing_challenger_does_not_cost_the_champion_its_score(
    conn, db_url, champion_and_challenger
):
    (champion, lr), (challenger, _) = champion_and_challenger
    with conn.cursor() as cur:
        add_customer(cur, 1)  # scored at commit, before the challenger is damaged
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("SELECT churn.set_challenger(%s, 1.0, false)", (challenger,))
        # the challenger can no longer be loaded: its cached code and its document are damaged
        cur.execute("ALTER TABLE churn.model DROP CONSTRAINT model_pmml_sha256_is_hex")
        cur.execute(
            "UPDATE churn.model_compiled c SET source = 'boom', code = NULL FROM churn.model m"
            " WHERE m.pmml_sha256 = c.pmml_sha256 AND m.model_id = %s",
            (challenger,),
        )
        cur.execute(
            "UPDATE churn.model SET pmml = '<PMML>boom</PMML>' WHERE model_id = %s", (challenger,)
        )
    conn.commit()
    fresh = psycopg2.connect(db_url)  # a new backend, with nothing cached
    try:
        with fresh.cursor() as cur:
            complain(cur, 1)
            frame = scored_features(cur, 1)
            cur.execute(
                "SELECT churn_score, churn_model_id, churn_score_stale FROM churn.customer_score"
            )
            score, model_id, stale = cur.fetchone()
            assert (model_id, stale) == (champion, False)
            assert score == pytest.approx(float(lr.proba(frame)[0]), abs=1e-9)
            cur.execute(
                "SELECT model_id, variant FROM churn.score_log WHERE complaint_id IS NOT NULL"
            )
            assert cur.fetchall() == [(champion, "champion")]
            cur.execute("SELECT model_id, error FROM churn.scoring_error")
            ((failed_model, error),) = cur.fetchall()
            assert failed_model == challenger and "PMML" in error
    finally:
        fresh.close()
