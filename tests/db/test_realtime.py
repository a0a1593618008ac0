"""Real-time rescoring: a complaint insert rescores the customer in the same transaction."""

import json
import select

import pandas as pd
import psycopg2
import pytest

from tests.db.helpers import (
    activate,
    add_customer,
    complain,
    features_of,
    logit,
    profile,
    register,
    score_now,
    scored_features,
)

pytestmark = pytest.mark.demo_profile


@pytest.fixture
def lr(trained):
    return trained("logistic")


@pytest.fixture
def gbdt(trained):
    return trained("gbdt")


@pytest.fixture
def active_lr(conn, lr):
    with conn.cursor() as cur:
        model_id = register(cur, lr.pmml, "lr")
        activate(cur, model_id)
    conn.commit()
    return model_id


def last_log(cur, customer_id):
    cur.execute(
        "SELECT model_id, score, previous_score, features, reasons, triggered_by, complaint_id"
        " FROM churn.score_log WHERE customer_id = %s ORDER BY score_log_id DESC LIMIT 1",
        (customer_id,),
    )
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone(), strict=True))


def test_complaint_insert_rescores_profile_and_logs_features_and_reasons(conn, lr, active_lr):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        complaint_id = complain(cur, 1, severity=5)
        row = profile(cur, 1)
        expected = float(lr.proba(scored_features(cur, 1))[0])
        assert row["churn_score"] == pytest.approx(expected, abs=1e-9)
        assert row["churn_model_id"] == active_lr
        assert row["churn_scored_at"] is not None and not row["churn_score_stale"]
        log = last_log(cur, 1)
        assert log["model_id"] == active_lr and log["triggered_by"] == "complaint"
        assert log["complaint_id"] == complaint_id and log["previous_score"] is None
        assert log["score"] == row["churn_score"]
        live = scored_features(cur, 1).iloc[0].to_dict()
        assert set(log["features"]) == set(live)
        assert log["features"]["complaints_total"] == 1 == live["complaints_total"]
        assert len(log["reasons"]) == 3
        assert {"feature", "value", "contribution"} <= set(log["reasons"][0])
        sizes = [abs(r["contribution"]) for r in log["reasons"]]
        assert sizes == sorted(sizes, reverse=True)


def test_second_complaint_logs_previous_score(conn, active_lr):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        complain(cur, 1)
        first = profile(cur, 1)["churn_score"]
        complain(cur, 1, severity=5)
        assert last_log(cur, 1)["previous_score"] == first


def test_windowed_counters_are_counted_at_scoring_time(conn, active_lr):
    with conn.cursor() as cur:
        add_customer(cur, 1, customer_since="2020-01-01")
        complain(cur, 1, days_ago=200, severity=5)
        complain(cur, 1, days_ago=60, severity=4)
        complain(cur, 1, days_ago=10, severity=1)
        complain(cur, 1, days_ago=0, severity=2)
        row = profile(cur, 1)
        assert (row["complaints_total"], row["complaints_30d"], row["complaints_90d"]) == (4, 2, 3)
        assert row["severe_complaints_90d"] == 1
        assert last_log(cur, 1)["features"]["complaints_90d"] == 3


def test_explain_adds_up_to_the_margin_for_linear_and_tree_models(conn, lr, gbdt):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        complain(cur, 1, severity=4)
        for trained_model in (lr, gbdt):
            model_id = register(cur, trained_model.pmml, trained_model.kind)
            activate(cur, model_id)
            cur.execute("SELECT feature, value, contribution FROM churn.explain(1)")
            rows = cur.fetchall()
            cur.execute("SELECT churn.score_customer(1)")
            score = cur.fetchone()[0]
            assert score == pytest.approx(
                float(trained_model.proba(features_of(cur, 1))[0]), abs=1e-9
            )
            assert rows[-1][0] == "(base value)"
            total = sum(r[2] for r in rows)
            assert total == pytest.approx(logit(score), abs=1e-9), trained_model.kind


def test_linear_contributions_are_the_terms_of_the_linear_predictor(conn, lr, active_lr):
    columns = lr.pipeline.named_steps["columns"]
    coef = lr.pipeline.named_steps["classifier"].coef_[0]
    with conn.cursor() as cur:
        add_customer(cur, 1, contract_type="one-year")
        complain(cur, 1)
        frame = features_of(cur, 1)
        cur.execute("SELECT feature, contribution FROM churn.explain(1)")
        got = dict(cur.fetchall())
    names = columns.get_feature_names_out()
    terms = columns.transform(frame)[0] * coef
    for feature in ("tenure_months", "contract_type"):
        prefix = ("numeric__", "categorical__")[feature == "contract_type"]
        expected = sum(
            t for n, t in zip(names, terms, strict=True) if n.startswith(prefix + feature)
        )
        assert got[feature] == pytest.approx(expected, abs=1e-9)


def test_profile_update_of_a_model_input_rescores_once(conn, active_lr):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        complain(cur, 1)
        cur.execute("SELECT count(*) FROM churn.score_log WHERE customer_id = 1")
        assert cur.fetchone() == (1,)
        cur.execute(
            "UPDATE churn.customer_profile SET contract_type = 'two-year' WHERE customer_id = 1"
        )
        score_now(cur)
        log = last_log(cur, 1)
        assert log["triggered_by"] == "profile_update"
        assert log["features"]["contract_type"] == "two-year"
        # same value again, and a column no model reads: no rescoring at all
        cur.execute(
            "UPDATE churn.customer_profile SET contract_type = 'two-year' WHERE customer_id = 1"
        )
        cur.execute("UPDATE churn.customer_profile SET churned_at = now() WHERE customer_id = 1")
        score_now(cur)
        cur.execute(
            "SELECT triggered_by, count(*) FROM churn.score_log WHERE customer_id = 1 GROUP BY 1 ORDER BY 1"
        )
        assert cur.fetchall() == [("complaint", 1), ("profile_update", 1)]


def test_notification_is_sent_once_at_commit_when_the_score_crosses_the_threshold(
    conn, db_url, active_lr
):
    listener = psycopg2.connect(db_url)
    listener.autocommit = True
    try:
        with listener.cursor() as lc:
            lc.execute("LISTEN churn_score")
        with conn.cursor() as cur:
            cur.execute("UPDATE churn.setting SET value = '0.0' WHERE name = 'notify_threshold'")
            cur.execute("UPDATE churn.setting SET value = '2' WHERE name = 'notify_delta'")
        conn.commit()
        with conn.cursor() as cur:  # a new customer complains: one first score at commit
            add_customer(cur, 1)
            complaint_id = complain(cur, 1, now=False)
            assert _notifications(listener, wait=0.3) == [], "nothing before commit"
        conn.commit()
        got = _notifications(listener, wait=2.0)
        assert len(got) == 1
        payload = json.loads(got[0])
        assert set(payload) == {"customer_id", "score_log_id"}, "identifiers only"
        assert payload["customer_id"] == 1
        with conn.cursor() as cur:  # the details, through the reader's own grants
            cur.execute(
                "SELECT complaint_id, model_id, previous_score FROM churn.score_log"
                " WHERE score_log_id = %s",
                (payload["score_log_id"],),
            )
            assert cur.fetchone() == (complaint_id, active_lr, None)
        with conn.cursor() as cur:  # a small move that crosses nothing: silence
            complain(cur, 1)
        conn.commit()
        assert _notifications(listener, wait=0.5) == []
    finally:
        listener.close()


def _notifications(listener, wait):
    if select.select([listener], [], [], wait) != ([], [], []):
        listener.poll()
    out = [n.payload for n in listener.notifies]
    listener.notifies.clear()
    return out


def test_no_active_model_keeps_the_complaint_and_records_the_error(conn):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        complaint_id = complain(cur, 1)
    conn.commit()
    with conn.cursor() as cur:
        row = profile(cur, 1)
        assert row["complaints_total"] == 1 and row["churn_score_stale"]
        assert row["churn_score"] is None
        cur.execute("SELECT customer_id, model_id, complaint_id, error FROM churn.scoring_error")
        (err,) = cur.fetchall()
        assert err[:3] == (1, None, complaint_id) and "no churn model is active" in err[3]


def test_strict_mode_refuses_the_insert_instead(conn):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        cur.execute("SET pgchurn.on_score_error = 'raise'")
        with pytest.raises(psycopg2.Error, match="no churn model is active"):
            complain(cur, 1)


def test_a_broken_model_keeps_the_old_score_and_marks_it_stale(conn, db_url, lr, active_lr):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        complain(cur, 1)
        old = profile(cur, 1)["churn_score"]
        # the model can no longer be loaded: its cached code and its document are damaged
        cur.execute("ALTER TABLE churn.model DROP CONSTRAINT model_pmml_sha256_is_hex")
        cur.execute("UPDATE churn.model_compiled SET source = 'raise RuntimeError(\"boom\")'")
        cur.execute("UPDATE churn.model SET pmml = '<PMML>boom</PMML>'")
    conn.commit()
    fresh = psycopg2.connect(db_url)  # a new backend, with nothing cached
    try:
        with fresh.cursor() as cur:
            complain(cur, 1)
        fresh.commit()
        with fresh.cursor() as cur:
            row = profile(cur, 1)
            assert row["complaints_total"] == 2 and row["churn_score"] == old
            assert row["churn_score_stale"]
            cur.execute("SELECT model_id, error FROM churn.scoring_error")
            model_id, error = cur.fetchone()
            assert model_id == active_lr and "PMML" in error
    finally:
        fresh.close()


def test_damaged_cached_code_is_recompiled_from_the_document(conn, db_url, lr, active_lr):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        cur.execute("UPDATE churn.model_compiled SET source = 'raise RuntimeError(\"boom\")'")
    conn.commit()
    fresh = psycopg2.connect(db_url)
    try:
        with fresh.cursor() as cur:
            complain(cur, 1)
            expected = float(lr.proba(scored_features(cur, 1))[0])
            assert profile(cur, 1)["churn_score"] == pytest.approx(expected, abs=1e-9)
            cur.execute("SELECT count(*) FROM churn.model_compiled WHERE source LIKE '%%boom%%'")
            assert cur.fetchone() == (0,), "the recompiled source replaced the damaged one"
    finally:
        fresh.close()


def test_bytecode_is_cached_and_damaged_bytecode_falls_back_to_the_source(
    conn, db_url, lr, active_lr
):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        cur.execute("SELECT count(*), count(code) FROM churn.model_compiled")
        total, with_code = cur.fetchone()
        assert total >= 1 and with_code == total, "registration stores the bytecode"
        cur.execute("SELECT churn._load_code()")
        version = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM churn.plpython_bytecode WHERE code_version = %s", (version,)
        )
        assert cur.fetchone() == (1,), "the package's bytecode is cached for this code version"
        cur.execute("UPDATE churn.model_compiled SET code = '\\x00ff'::bytea")
    conn.commit()
    fresh = psycopg2.connect(db_url)
    try:
        with fresh.cursor() as cur:
            complain(cur, 1)
            expected = float(lr.proba(scored_features(cur, 1))[0])
            assert profile(cur, 1)["churn_score"] == pytest.approx(expected, abs=1e-9)
            cur.execute("SELECT count(*) FROM churn.model_compiled WHERE length(code) = 2")
            assert cur.fetchone() == (0,), "the damaged bytecode was replaced"
    finally:
        fresh.close()


def test_one_row_and_multi_row_statements_write_the_same(conn, gbdt):
    """Identical customers complaining in one transaction, in a one-row INSERT and in a
    two-customer INSERT, end with identical scores, score-log rows and notifications."""
    with conn.cursor() as cur:
        activate(cur, register(cur, gbdt.pmml, "gbdt"))
        for customer_id in (1, 2, 3):
            add_customer(cur, customer_id, tenure_months=3, monthly_charges=99.0)
        conn.commit()  # scored at commit, before anyone listens
        cur.execute("UPDATE churn.setting SET value = '0.0' WHERE name = 'notify_threshold'")
        cur.execute("LISTEN churn_score")
        conn.commit()
        cur.execute("SELECT now()")  # the transaction's now(), shared by both inserts
        cur.execute(
            "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
            " VALUES (1, 'billing', 4, 'phone')"
        )
        cur.execute(
            "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
            " VALUES (2, 'billing', 4, 'phone'), (3, 'billing', 4, 'phone')"
        )
        score_now(cur)
        rows = {}
        for customer_id in (1, 2, 3):
            row = profile(cur, customer_id)
            log = last_log(cur, customer_id)
            rows[customer_id] = (
                {k: v for k, v in row.items() if k != "customer_id"},
                {k: v for k, v in log.items() if k != "complaint_id"},
            )
        live = scored_features(cur, 1)
        expected = float(gbdt.proba(live)[0])
    conn.commit()
    conn.poll()
    messages = [json.loads(note.payload) for note in conn.notifies]
    conn.notifies.clear()
    assert rows[1] == rows[2] == rows[3]
    assert rows[1][0]["churn_score"] == pytest.approx(expected, abs=1e-9)
    logged = rows[1][1]["features"]  # the model's inputs, as churn.feature_frame gave them
    assert logged == {k: (None if pd.isna(v) else v) for k, v in live.iloc[0].to_dict().items()}
    assert sorted(m["customer_id"] for m in messages) == [1, 2, 3]
    assert len({m["score_log_id"] for m in messages}) == 3


def test_predict_many_scores_in_order_keeps_nulls_and_refuses_a_null_array(conn, lr, active_lr):
    with conn.cursor() as cur:
        add_customer(cur, 1, tenure_months=2)
        add_customer(cur, 2, tenure_months=60, contract_type="two-year")
        one, two = (float(lr.proba(features_of(cur, c))[0]) for c in (1, 2))
        cur.execute(
            "SELECT churn.predict_many(ARRAY[(SELECT f::churn.features FROM"
            " churn.feature_frame(now()) f WHERE f.customer_id = 2), NULL,"
            " (SELECT f::churn.features FROM churn.feature_frame(now()) f"
            " WHERE f.customer_id = 1)])"
        )
        got = cur.fetchone()[0]
        assert got[1] is None
        assert got[0] == pytest.approx(two, abs=1e-9) and got[2] == pytest.approx(one, abs=1e-9)
        assert got[0] != got[2]
        with pytest.raises(psycopg2.errors.InvalidParameterValue, match="must not be NULL"):
            cur.execute("SELECT churn.predict_many(NULL::churn.features[])")
