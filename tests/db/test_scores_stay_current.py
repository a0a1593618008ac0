"""Scores stay current: after a model change, for new profiles, without churned customers."""

import io

import psycopg2
import pytest
from click.testing import CliRunner

from pgchurn import migrate
from pgchurn.cli import main
from tests.db.helpers import (
    COLUMNS,
    DEFAULTS,
    activate,
    add_customer,
    complain,
    install_demo_attributes,
    register,
)

pytestmark = pytest.mark.demo_profile

CURRENT, CHURNED = range(1, 31), range(31, 36)
HEALTH = (
    "SELECT DISTINCT other_model_profiles, other_model_overdue, model_changed_at IS NOT NULL"
    " FROM churn.scoring_health"
)


@pytest.fixture
def models(conn, trained):
    """(first, second): the first active, 35 customers scored by it, 5 of them churned since."""
    with conn.cursor() as cur:
        first = register(cur, trained("logistic").pmml, "lr")
        second = register(cur, trained("gbdt").pmml, "gbdt")
        activate(cur, first)
    conn.commit()
    with conn.cursor() as cur:
        for k in [*CURRENT, *CHURNED]:
            add_customer(cur, k, monthly_charges=20.0 + 3 * k)
    conn.commit()  # scored at commit, as new profiles are
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE churn.customer_profile SET churned_at = now() WHERE customer_id >= %s",
            (CHURNED[0],),
        )
    conn.commit()
    return first, second


def url_as(db_url, login_as, role):
    """A database URL that logs in as a fresh member of the role (never the superuser)."""
    user = login_as(role).info.user
    return db_url.replace("postgres@", f"{user}@")


def cli(url, *args, code=0):
    result = CliRunner().invoke(main, ["--database-url", url, *args])
    assert code is None or result.exit_code == code, result.output
    return result.output


def fetch(conn, sql, *params):
    with conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall() if cur.description else []
    conn.commit()
    return rows


def call_rescore_all(url, batch_size=10_000):
    """CALL churn.rescore_all, which commits: outside a transaction block."""
    c = psycopg2.connect(url)
    c.autocommit = True
    try:
        with c.cursor() as cur:
            cur.execute("CALL churn.rescore_all(%s)", (batch_size,))
    finally:
        c.close()


def served_models(conn):
    """{model_id: customers} of the current and of the churned customers' served scores."""
    rows = fetch(
        conn,
        "SELECT p.churned_at IS NULL, s.churn_model_id, count(*) FROM churn.customer_score s"
        " JOIN churn.customer_profile p USING (customer_id) GROUP BY 1, 2",
    )
    return {c: {m: n for cur, m, n in rows if cur is c} for c in (True, False)}


def test_new_profiles_are_scored_at_commit_and_churned_ones_are_not(conn, models):
    first, _ = models
    assert served_models(conn) == {True: {first: 30}, False: {first: 5}}
    rows = fetch(
        conn,
        "SELECT DISTINCT triggered_by, previous_model_id, previous_score FROM churn.score_log",
    )
    assert rows == [("profile_insert", None, None)]
    with conn.cursor() as cur:  # inserted churned: not scored
        cur.execute(
            f"INSERT INTO churn.customer_profile (customer_id, churned_at, {COLUMNS})"
            f" VALUES (90, now() - interval '1 day', {', '.join(['%s'] * len(DEFAULTS))})",
            list(DEFAULTS.values()),
        )
    conn.commit()
    assert fetch(conn, "SELECT churn_score FROM churn.customer_score WHERE customer_id = 90") == [
        (None,)
    ]


def test_an_insert_while_no_model_is_active_succeeds_and_stays_unscored(conn):
    with conn.cursor() as cur:
        add_customer(cur, 1)
    conn.commit()
    assert fetch(conn, "SELECT churn_score, churn_score_stale FROM churn.customer_score") == [
        (None, False)
    ]
    assert fetch(conn, "SELECT count(*) FROM churn.scoring_error") == [(0,)]
    assert fetch(conn, "SELECT DISTINCT unscored_profiles FROM churn.scoring_health") == [(1,)]


def test_copy_of_profiles_scores_them_at_commit(conn, models):
    first, _ = models
    lines = "".join(
        f"{k}\t"
        + "\t".join(str(v).replace("True", "t").replace("False", "f") for v in DEFAULTS.values())
        + "\n"
        for k in range(100, 120)
    )
    with conn.cursor() as cur:
        cur.copy_expert(
            f"COPY churn.customer_profile (customer_id, {COLUMNS}) FROM STDIN", io.StringIO(lines)
        )
    conn.commit()
    rows = fetch(
        conn,
        "SELECT count(*), count(DISTINCT l.customer_id) FROM churn.score_log l"
        " WHERE l.customer_id >= 100 AND l.triggered_by = 'profile_insert' AND l.model_id = %s",
        first,
    )
    assert rows == [(20, 20)]


def test_scoring_health_counts_other_model_profiles_until_the_rescore(
    conn, db_url, login_as, models
):
    first, second = models
    analyst = login_as("pgchurn_analyst")
    deployer = url_as(db_url, login_as, "pgchurn_deployer")
    with psycopg2.connect(deployer) as c, c.cursor() as cur:
        cur.execute("SELECT churn.activate_model(%s)", (second,))
    with analyst.cursor() as cur:
        cur.execute(HEALTH)
        assert cur.fetchall() == [(30, False, True)], "30 current customers, within the grace"
    # past the grace: monitoring breaches, as the analyst runs it
    fetch(conn, "UPDATE churn.setting SET value = '0 seconds' WHERE name = 'model_change_grace'")
    analyst_url = url_as(db_url, login_as, "pgchurn_analyst")
    out = cli(analyst_url, "monitor", code=3)
    assert "30 current customer(s) hold another model's score" in out
    assert "fix: pgchurn rescore" in out
    before = fetch(
        conn,
        "SELECT customer_id, churn_score, churn_scored_at FROM churn.customer_score"
        " WHERE customer_id >= %s ORDER BY 1",
        CHURNED[0],
    )
    assert "rescored 30 profiles" in cli(deployer, "rescore", "--batch-size", "7")
    with analyst.cursor() as cur:
        cur.execute(HEALTH)
        assert cur.fetchall() == [(0, False, True)]
    assert "another model" not in cli(analyst_url, "monitor", "--json", code=None)
    # churned customers keep the score they left with
    assert served_models(conn) == {True: {second: 30}, False: {first: 5}}
    after = fetch(
        conn,
        "SELECT customer_id, churn_score, churn_scored_at FROM churn.customer_score"
        " WHERE customer_id >= %s ORDER BY 1",
        CHURNED[0],
    )
    assert after == before
    rows = fetch(
        conn,
        "SELECT DISTINCT previous_model_id, model_id, model_changed FROM churn.score_change"
        " WHERE triggered_by = 'batch'",
    )
    assert rows == [(first, second, True)]


def test_cli_activation_and_rollback_rescore_by_default(conn, db_url, login_as, models):
    first, second = models
    deployer = url_as(db_url, login_as, "pgchurn_deployer")
    out = cli(deployer, "models", "activate", str(second), "--no-rescore")
    assert "not rescored (--no-rescore)" in out
    assert fetch(conn, HEALTH) == [(30, False, True)]
    out = cli(deployer, "models", "rollback")
    assert f"model {first} is active again" in out and "rescored 30 profiles" in out
    # rolled back to the model whose scores they held: none was another model's
    assert fetch(conn, HEALTH) == [(0, False, True)]
    out = cli(deployer, "models", "activate", str(second))
    assert "rescored 30 profiles" in out
    assert fetch(conn, HEALTH) == [(0, False, True)]
    assert served_models(conn) == {True: {second: 30}, False: {first: 5}}


def test_an_open_run_of_another_model_is_not_resumed(conn, db_url, models):
    first, second = models
    with conn.cursor() as cur:
        cur.execute("SELECT run_id, rows_scored, finished FROM churn.rescore_batch(10)")
        old_run, scored, finished = cur.fetchone()
        assert (scored, finished) == (10, False)
        activate(cur, second)
    conn.commit()
    call_rescore_all(db_url, 10)
    runs = fetch(conn, "SELECT run_id, model_id, rows_done, total_rows FROM churn.rescore_run")
    assert runs == [(old_run, first, 10, 30), (old_run + 1, second, 30, 30)]
    assert served_models(conn)[True] == {second: 30}


def test_drift_leaves_out_scores_logged_after_churn(conn, models):
    first, _ = models
    fetch(conn, "SELECT churn.compute_baselines(%s, replace => true)", first)
    live = "SELECT DISTINCT live_rows FROM churn.feature_drift WHERE model_id = %s"
    drift_days = "SELECT sum(scores)::bigint FROM churn.score_drift WHERE model_id = %s"
    assert fetch(conn, live, first) == [(35,)]  # all 35 were scored while customers
    assert fetch(conn, drift_days, first) == [(35,)]
    with conn.cursor() as cur:  # complaints of churned customers still rescore them
        for k in CHURNED:
            complain(cur, k)
    conn.commit()
    assert fetch(conn, "SELECT count(*) FROM churn.score_log") == [(40,)]
    assert fetch(conn, live, first) == [(35,)]
    assert fetch(conn, drift_days, first) == [(35,)]


def test_score_change_leaves_model_changes_out_of_crossings(conn, db_url, models):
    first, second = models
    with conn.cursor() as cur:
        activate(cur, second)
    conn.commit()
    call_rescore_all(db_url)
    with conn.cursor() as cur:
        for k in CURRENT:
            complain(cur, k, severity=5)
    conn.commit()
    # X between the two scores of each change: every change crosses its own X
    crossing = """
        SELECT DISTINCT customer_id FROM churn.score_change
         WHERE NOT model_changed AND previous_score < %(x)s AND score >= %(x)s
           AND scored_at >= now() - interval '7 days'"""
    changes = fetch(
        conn,
        "SELECT customer_id, previous_score, score, model_changed, triggered_by"
        " FROM churn.score_change WHERE previous_score < score ORDER BY score_log_id",
    )
    by_model = [r for r in changes if r[3]]
    by_customer = [r for r in changes if r[3] is False]
    assert by_model and by_customer
    assert {r[4] for r in by_model} == {"batch"} and {r[4] for r in by_customer} == {"complaint"}
    for customer, before, after, changed, _ in changes:
        x = (before + after) / 2
        found = {r[0] for r in fetch(conn, crossing.replace("%(x)s", str(x)))}
        if not changed:
            assert customer in found
    model_only = [
        r
        for r in by_model
        if not any(c[0] == r[0] and c[1] < (r[1] + r[2]) / 2 <= c[2] for c in by_customer)
    ]
    assert model_only, "a crossing that only the model change made"
    for customer, before, after, *_ in model_only:
        x = (before + after) / 2
        assert customer not in {r[0] for r in fetch(conn, crossing.replace("%(x)s", str(x)))}
    # the analyst reads it
    assert fetch(
        conn, "SELECT has_table_privilege('pgchurn_analyst', 'churn.score_change', 'SELECT')"
    ) == [(True,)]


def test_downgrade_to_0013_with_data_keeps_it_and_upgrade_backfills(empty_db_url, trained):
    migrate.upgrade(empty_db_url)
    install_demo_attributes(empty_db_url)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        first = register(cur, trained("logistic").pmml, "lr")
        second = register(cur, trained("gbdt").pmml, "gbdt")
        activate(cur, first)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        for k in range(1, 6):
            add_customer(cur, k)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        activate(cur, second)
    call_rescore_all(empty_db_url)
    migrate.downgrade(empty_db_url, "0013")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(
            "SELECT triggered_by, model_id, count(*) FROM churn.score_log GROUP BY 1, 2 ORDER BY 1"
        )
        assert cur.fetchall() == [("batch", second, 5), ("profile_update", first, 5)]
        cur.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'churn'"
            " AND table_name IN ('score_log', 'scoring_health')"
            " AND column_name IN ('previous_model_id', 'other_model_profiles')"
        )
        assert cur.fetchone() == (0,)
        cur.execute("SELECT to_regclass('churn.score_change'), count(*) FROM churn.scoring_health")
        assert cur.fetchone() == (None, 24)
        cur.execute("SELECT count(*) FROM churn.setting WHERE name = 'model_change_grace'")
        assert cur.fetchone() == (0,)
    migrate.upgrade(empty_db_url)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(
            "SELECT triggered_by, previous_model_id, model_id, model_changed, count(*)"
            " FROM churn.score_change GROUP BY 1, 2, 3, 4 ORDER BY 1"
        )
        assert cur.fetchall() == [
            ("batch", first, second, True, 5),
            ("profile_update", None, first, None, 5),
        ]


def test_register_with_activate_rescores_with_the_new_model(
    conn, db_url, login_as, models, trained, tmp_path
):
    first, _ = models
    path = tmp_path / "tree.pmml"
    path.write_text(trained("tree").pmml, encoding="utf-8")
    deployer = url_as(db_url, login_as, "pgchurn_deployer")
    out = cli(deployer, "models", "register", str(path), "--activate")
    assert "rescored 30 profiles" in out
    (third,) = fetch(conn, "SELECT model_id FROM churn.model WHERE status = 'active'")[0]
    assert third not in models
    assert fetch(conn, HEALTH) == [(0, False, True)]
    assert served_models(conn) == {True: {third: 30}, False: {first: 5}}


def test_train_with_activate_rescores_unless_told_not_to(conn, db_url):
    from datetime import UTC, datetime

    from pgchurn.seed import SeedSpec, seed_database

    seed_database(db_url, SeedSpec(4000, seed=5, now=datetime(2026, 10, 1, tzinfo=UTC)))
    current = fetch(conn, "SELECT count(*) FROM churn.customer_profile WHERE churned_at IS NULL")
    train = ("train", "--model", "logistic", "--min-holdout-churners", "5", "--activate")
    out = cli(db_url, *train)
    assert f"rescored {current[0][0]} profiles" in out, out
    assert fetch(conn, HEALTH) == [(0, False, True)]
    out = cli(db_url, *train, "--no-rescore")
    assert "not rescored (--no-rescore)" in out
    assert fetch(conn, HEALTH) == [(current[0][0], False, True)]
