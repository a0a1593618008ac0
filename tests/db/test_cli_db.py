"""The registry and rescoring commands against a real database, through the CLI."""

import pytest
from click.testing import CliRunner

from pgchurn.cli import main
from tests.db.helpers import add_customer, register

pytestmark = pytest.mark.demo_profile


def run(db_url, *args, ok=True, stdout_only=False):
    result = CliRunner().invoke(main, ["--database-url", db_url, *args])
    assert (result.exit_code == 0) is ok, result.output
    return result.stdout if stdout_only else result.output


@pytest.fixture
def two_models(conn, trained):
    with conn.cursor() as cur:
        for k in range(1, 31):
            add_customer(cur, k, monthly_charges=20.0 + 3 * k)
        first = register(cur, trained("logistic").pmml, "lr-one")
        second = register(cur, trained("gbdt").pmml, "gbdt-two")
    conn.commit()
    return first, second


def test_models_lifecycle_from_the_command_line(db_url, conn, two_models):
    first, second = two_models
    listing = run(db_url, "models", "list")
    assert "lr-one" in listing and "gbdt-two" in listing and "registered" in listing
    assert f"model {first} is active (previously: none)" in run(
        db_url, "models", "activate", str(first)
    )
    assert f"previously: {first}" in run(db_url, "models", "activate", str(second))
    assert f"model {first} is active again" in run(db_url, "models", "rollback")
    assert f"model {second} retired" in run(db_url, "models", "retire", str(second))
    shown = run(db_url, "models", "show", str(second))
    assert '"status": "retired"' in shown and '"action": "retire"' in shown
    with conn.cursor() as cur:
        cur.execute("SELECT pmml FROM churn.model WHERE model_id = %s", (first,))
        assert run(db_url, "models", "export", str(first), stdout_only=True) == cur.fetchone()[0]


def test_refusals_are_one_line(db_url, two_models):
    _, second = two_models
    run(db_url, "models", "activate", str(second))
    out = run(db_url, "models", "retire", str(second), ok=False)
    errors = [line for line in out.splitlines() if line.startswith("pgchurn: error:")]
    assert len(errors) == 1 and "is active and cannot be retired" in errors[0]
    assert "Traceback" not in out
    assert "does not exist" in run(db_url, "models", "show", "999", ok=False)


def test_rescore_command_scores_every_profile_and_prints_the_rate(db_url, conn, two_models):
    run(db_url, "models", "activate", str(two_models[0]))
    out = run(db_url, "rescore", "--batch-size", "7")
    assert "rescored 30 profiles" in out and "rows/s" in out
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.customer_score WHERE churn_score IS NOT NULL")
        assert cur.fetchone() == (30,)


def test_a_worker_that_joined_a_finished_run_starts_no_new_one(conn, two_models):
    """The race `pgchurn rescore --jobs 2` hit: one worker finishes the run, the other calls
    once more. With join_run it is told the run is finished; without, it opens a new run."""
    with conn.cursor() as cur:
        cur.execute("SELECT churn.activate_model(%s)", (two_models[0],))
        cur.execute("SELECT run_id, finished, rows_scored FROM churn.rescore_batch(100)")
        run_id, finished, scored = cur.fetchone()
        assert finished and scored == 30  # one chunk holds every profile
        cur.execute(
            "SELECT run_id, finished, rows_scored FROM churn.rescore_batch(100, join_run => %s)",
            (run_id,),
        )
        assert cur.fetchone() == (run_id, True, 0)
        cur.execute("SELECT count(*) FROM churn.rescore_run")
        assert cur.fetchone() == (1,)
        cur.execute("SELECT run_id, rows_scored FROM churn.rescore_batch(100)")
        assert cur.fetchone() == (run_id + 1, 30), "without join_run, a new run starts"


def test_rescore_with_two_sessions_scores_every_profile_once(db_url, conn, two_models):
    run(db_url, "models", "activate", str(two_models[0]), "--no-rescore")
    out = run(db_url, "rescore", "--batch-size", "4", "--jobs", "2")
    assert "rescored 30 profiles" in out and "2 sessions" in out
    with conn.cursor() as cur:
        cur.execute("SELECT count(*), count(DISTINCT customer_id) FROM churn.score_log")
        assert cur.fetchone() == (30, 30)
        cur.execute("SELECT count(*), count(done_at) FROM churn.rescore_chunk")
        assert cur.fetchone() == (8, 8)
