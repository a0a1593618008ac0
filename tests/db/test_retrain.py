"""Retraining: a challenger is promoted only when it beats the champion on the same holdout."""

from datetime import UTC, datetime

import numpy as np
import pytest
from click.testing import CliRunner
from pgchurn.train import trainer
from pgchurn.train.export import export_pmml
from pgchurn.train.pipelines import build_pipeline

from pgchurn import retrain
from pgchurn.cli import main
from pgchurn.seed import SeedSpec, seed_database
from tests.db.helpers import activate, register

pytestmark = pytest.mark.demo_profile


@pytest.fixture
def seeded(db_url):
    seed_database(db_url, SeedSpec(6000, seed=11, now=datetime(2026, 10, 1, tzinfo=UTC)))
    return db_url


def useless_model(url, tmp_path):
    """A model trained on shuffled labels: it knows nothing (AUC about 0.5)."""
    train, _, _ = trainer.load(url, None, trainer.Options("logistic"))
    from pgchurn.train import dataset

    numeric, categorical = dataset.feature_columns(train)
    inputs = numeric + categorical
    pipeline = build_pipeline("logistic", numeric=numeric, categorical=categorical, impute=True)
    shuffled = np.random.default_rng(0).permutation(train["churned"].to_numpy())
    pipeline.fit(train[inputs], shuffled)
    return export_pmml(pipeline, train[inputs].head(50), tmp_path / "useless.pmml")


def audit(conn, action):
    with conn.cursor() as cur:
        cur.execute(
            "SELECT model_id, previous_model_id, reason FROM churn.model_audit WHERE action = %s",
            (action,),
        )
        return cur.fetchall()


def active(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT model_id FROM churn.model WHERE status = 'active'")
        return cur.fetchone()[0]


def test_a_worse_challenger_is_never_promoted(conn, seeded, tmp_path):
    champion = trainer.run(
        seeded,
        trainer.Options("logistic"),
        register_to=seeded,
        activate_it=True,
        say=lambda s: None,
    )
    with conn.cursor() as cur:
        worse = register(cur, useless_model(seeded, tmp_path), "useless")
    conn.commit()
    inputs = champion.summary["numeric_features"] + champion.summary["categorical_features"]
    decision = retrain.decide(
        seeded, champion.model_id, worse, champion.extra["holdout"], inputs, margin=0.0
    )
    retrain.record(seeded, decision)
    assert not decision.promoted and decision.challenger_auc < decision.champion_auc
    assert active(conn) == champion.model_id
    ((model_id, previous, reason),) = audit(conn, "decline")
    assert (model_id, previous) == (worse, champion.model_id) and reason.startswith("declined")


def test_a_better_challenger_is_promoted_from_the_command_line(conn, seeded, tmp_path):
    with conn.cursor() as cur:
        bad = register(cur, useless_model(seeded, tmp_path), "useless")
        activate(cur, bad)
    conn.commit()
    result = CliRunner().invoke(main, ["--database-url", seeded, "retrain", "--model", "logistic"])
    assert result.exit_code == 0, result.output
    assert "promoted" in result.output
    ((model_id, previous, reason),) = audit(conn, "promote")
    assert previous == bad and active(conn) == model_id != bad
    assert "holdout ROC AUC" in reason


def test_if_drift_does_nothing_without_drift(conn, seeded):
    trainer.run(
        seeded,
        trainer.Options("logistic"),
        register_to=seeded,
        activate_it=True,
        say=lambda s: None,
    )
    result = CliRunner().invoke(main, ["--database-url", seeded, "retrain", "--if-drift"])
    assert result.exit_code == 0, result.output
    assert "no drift found" in result.output
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.model")
        assert cur.fetchone() == (1,)


def test_the_deployer_records_a_decision_only_through_the_function(conn, login_as, trained):
    import psycopg2

    with conn.cursor() as cur:
        champion = register(cur, trained("logistic").pmml, "lr")
        challenger = register(cur, trained("tree").pmml, "tree")
        activate(cur, champion)
    conn.commit()
    c = login_as("pgchurn_deployer")
    with c.cursor() as cur:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(
                "INSERT INTO churn.model_audit (action, model_id, reason)"
                " VALUES ('promote', %s, 'forged')",
                (challenger,),
            )
        with pytest.raises(psycopg2.errors.ObjectNotInPrerequisiteState) as stale:
            cur.execute(
                "SELECT churn.record_retrain_decision(%s, %s, true, 'x')", (challenger, challenger)
            )
        assert f"model {challenger} is no longer the active model (now: {champion})" in str(
            stale.value
        )
        cur.execute(
            "SELECT churn.record_retrain_decision(%s, %s, true, 'better')", (challenger, champion)
        )
        cur.execute("SELECT session_user")
        (user,) = cur.fetchone()
    assert active(conn) == challenger
    with conn.cursor() as cur:
        cur.execute(
            "SELECT action, model_id, previous_model_id, performed_by, reason"
            " FROM churn.model_audit WHERE action IN ('activate', 'promote') AND model_id = %s"
            " ORDER BY audit_id",
            (challenger,),
        )
        assert cur.fetchall() == [
            ("activate", challenger, champion, user, None),
            ("promote", challenger, champion, user, "better"),
        ]
