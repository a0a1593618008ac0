"""An external model: a scikit-learn pipeline on data shaped nothing like the demo, exported
with sklearn2pmml, registered through `pgchurn models register` by the deployer role.

The company here is a fitness club: its attributes (added with ALTER TABLE) are a plan tier
whose values have spaces and capitals, weekly visits with missing values, and an autopay flag.
Every expected number comes from scikit-learn or from the rows themselves, never from pgchurn.
"""

import math
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pgchurn.train import baselines as training
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn2pmml import sklearn2pmml
from sklearn2pmml.pipeline import PMMLPipeline

from pgchurn.cli import main

TIERS = ["Gold Plus", "Basic", "Family Pack"]
NUMERIC = ["tenure_months", "weekly_visits", "autopay"]
CATEGORICAL = ["plan_tier"]
MEMBERS = 300
CHURNED = range(1, 31)  # members who already left: not current, so not in the baselines


def members(n, seed):
    """The club's members, and whether each left, by a known mechanism."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "tenure_months": rng.integers(0, 60, n),
            "weekly_visits": rng.gamma(2.0, 1.5, n).round(1),
            "autopay": rng.integers(0, 2, n),
            "plan_tier": rng.choice(TIERS, n, p=[0.3, 0.5, 0.2]),
        }
    )
    frame.loc[rng.random(n) < 0.15, "weekly_visits"] = np.nan
    logit = (
        -0.4
        + 0.9 * (frame["plan_tier"] == "Basic")
        - 0.6 * (frame["plan_tier"] == "Gold Plus")
        - 0.35 * frame["weekly_visits"].fillna(2.0)
        - 0.8 * frame["autopay"]
        - 0.03 * frame["tenure_months"]
    )
    churned = pd.Series(rng.random(n) < 1 / (1 + np.exp(-logit)), name="churned").astype(int)
    return frame, churned


def export(path, *, extra_numeric=()):
    """Fit the club's own pipeline and write its PMML, with verification rows."""
    frame, churned = members(2000, seed=1)
    for name in extra_numeric:
        frame[name] = np.random.default_rng(2).normal(size=len(frame))
    numeric = NUMERIC + list(extra_numeric)
    columns = ColumnTransformer(
        [
            (
                "numeric",
                Pipeline(
                    [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
                ),
                numeric,
            ),
            ("tier", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    pipeline = PMMLPipeline(
        [("columns", columns), ("classifier", LogisticRegression(max_iter=2000))]
    )
    pipeline.fit(frame[numeric + CATEGORICAL], churned)
    pipeline.verify(frame[numeric + CATEGORICAL].sample(60, random_state=0))
    sklearn2pmml(pipeline, str(path))
    return pipeline


@pytest.fixture(scope="module")
def club_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("club") / "club_churn.pmml"
    return export(path), path


@pytest.fixture
def club(conn):
    """The club's attributes (plain DDL) and members; some of them already left."""
    frame, _ = members(MEMBERS, seed=7)
    with conn.cursor() as cur:
        cur.execute(
            "ALTER TABLE churn.customer_profile ADD COLUMN plan_tier text,"
            " ADD COLUMN weekly_visits double precision, ADD COLUMN autopay boolean"
        )
        for k, row in enumerate(frame.itertuples(index=False), start=1):
            cur.execute(
                "INSERT INTO churn.customer_profile (customer_id, customer_since, plan_tier,"
                " weekly_visits, autopay) VALUES (%s, current_date - make_interval(months => %s),"
                " %s, %s, %s)",
                (
                    k,
                    int(row.tenure_months),
                    row.plan_tier,
                    None if math.isnan(row.weekly_visits) else float(row.weekly_visits),
                    bool(row.autopay),
                ),
            )
        cur.execute(
            "UPDATE churn.customer_profile SET churned_at = now() - interval '2 days'"
            " WHERE customer_id = ANY(%s)",
            (list(CHURNED),),
        )
    conn.commit()


def deployer_url(db_url, login_as):
    user = login_as("pgchurn_deployer").info.user
    return db_url.replace("postgres@", f"{user}@")


def run(url, *args, ok=True):
    result = CliRunner().invoke(main, ["--database-url", url, *args])
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def current_features(cur):
    """Model inputs of the current members, read back from the database, as scikit-learn takes them."""
    cur.execute(
        "SELECT p.customer_id, churn.customer_features(p.customer_id) FROM churn.customer_profile p"
        " WHERE p.churned_at IS NULL ORDER BY p.customer_id"
    )
    rows = cur.fetchall()
    frame = pd.DataFrame([features for _, features in rows], index=[k for k, _ in rows])
    frame["autopay"] = frame["autopay"].astype(int)
    frame["weekly_visits"] = frame["weekly_visits"].astype(float)
    return frame[NUMERIC + CATEGORICAL]


def test_the_deployer_registers_activates_and_the_club_scores_as_scikit_learn(
    db_url, conn, club, club_model, login_as
):
    pipeline, path = club_model
    url = deployer_url(db_url, login_as)
    out = run(url, "models", "register", str(path), "--activate")
    model_id = int(re.search(r"registered model (\d+) 'club_churn'", out).group(1))
    assert "60 verification rows matched" in out
    assert (
        "3 numeric and 1 categorical inputs" in out and f"{MEMBERS - len(CHURNED)} current" in out
    )
    assert f"model {model_id} is active" in out
    run(url, "rescore")
    with conn.cursor() as cur:
        frame = current_features(cur)
        cur.execute(
            "SELECT customer_id, churn_score FROM churn.customer_score"
            " WHERE customer_id = ANY(%s) ORDER BY customer_id",
            (list(frame.index),),
        )
        served = dict(cur.fetchall())
    expected = pipeline.predict_proba(frame)[:, 1]
    assert frame["weekly_visits"].isna().any() and set(frame["plan_tier"]) == set(TIERS)
    gaps = [abs(served[k] - p) for k, p in zip(frame.index, expected, strict=True)]
    assert len(gaps) == MEMBERS - len(CHURNED) and max(gaps) < 1e-9


def test_baselines_come_from_the_current_members_and_feature_drift_watches_them(
    db_url, conn, club, club_model, login_as
):
    pipeline, path = club_model
    url = deployer_url(db_url, login_as)
    out = run(url, "models", "register", str(path), "--activate")
    model_id = int(re.search(r"registered model (\d+)", out).group(1))
    with conn.cursor() as cur:
        cur.execute("SELECT baselines FROM churn.model WHERE model_id = %s", (model_id,))
        (stored,) = cur.fetchone()
        frame = current_features(cur)
    expected = training.baselines(frame, NUMERIC, CATEGORICAL, pipeline.predict_proba(frame)[:, 1])
    assert stored["numeric"] == expected["numeric"]  # same rows, same binning rules
    assert stored["categorical"] == expected["categorical"]
    assert set(stored["categorical"]["plan_tier"]["frequencies"]) == set(TIERS)
    assert (
        stored["numeric"]["weekly_visits"]["missing_fraction"]
        == frame["weekly_visits"].isna().mean()
    )
    assert stored["score"]["edges"] == pytest.approx(expected["score"]["edges"], abs=1e-9)
    assert stored["source"]["rows"] == MEMBERS - len(CHURNED)
    run(url, "rescore")
    with conn.cursor() as cur:
        cur.execute(
            "SELECT feature, kind FROM churn.feature_drift WHERE model_id = %s", (model_id,)
        )
        watched = dict(cur.fetchall())
        cur.execute("SELECT count(*) FROM churn.score_drift WHERE model_id = %s", (model_id,))
        assert cur.fetchone()[0] >= 1
    assert watched == {
        "tenure_months": "numeric",
        "weekly_visits": "numeric",
        "autopay": "numeric",
        "plan_tier": "categorical",
    }
    with conn.cursor() as cur:  # stored baselines stay unless replaced
        cur.execute("SELECT churn.compute_baselines(%s, 5)", (model_id,))
        assert cur.fetchone()[0]["source"]["rows"] == MEMBERS - len(CHURNED)
        cur.execute("SELECT churn.compute_baselines(%s, 5, replace => true)", (model_id,))
        assert cur.fetchone()[0]["source"]["rows"] == 5


def test_monitor_says_when_the_new_models_first_performance_rows_can_appear(
    db_url, conn, club, club_model, login_as
):
    _, path = club_model
    url = deployer_url(db_url, login_as)
    model_id = int(
        re.search(r"registered model (\d+)", run(url, "models", "register", str(path))).group(1)
    )
    run(url, "models", "activate", str(model_id))  # rescores every current customer
    with conn.cursor() as cur:
        cur.execute(
            "SELECT to_char(min(scored_at) + interval '90 days', 'YYYY-MM-DD') FROM churn.score_log"
        )
        (ready,) = cur.fetchone()
        cur.execute("SELECT count(*) FROM churn.customer_profile WHERE churned_at IS NULL")
        (current,) = cur.fetchone()
    assert 0 < current < MEMBERS
    out = run(
        db_url,
        "monitor",
        "--max-oldest-score-hours",
        "1e9",
        "--max-feature-drift",
        "99",
        "--max-errors-per-hour",
        "1000000",
    )
    assert f"model {model_id} (active) has no performance rows yet" in out
    # the churned members are not rescored
    assert f"{current} score(s) of {current} customer(s)" in out
    assert f"can appear on {ready}" in out


def test_a_document_that_fails_verification_is_refused_and_nothing_is_stored(
    db_url, conn, club, club_model, login_as, tmp_path
):
    _, path = club_model
    bad = tmp_path / "tampered.pmml"
    bad.write_text(
        re.sub(
            r"<data:probability_1>[^<]*</data:probability_1>",
            "<data:probability_1>0.987654321</data:probability_1>",
            path.read_text(),
            count=1,
        )
    )
    out = run(deployer_url(db_url, login_as), "models", "register", str(bad), ok=False)
    errors = [line for line in out.splitlines() if line.startswith("pgchurn: error:")]
    assert len(errors) == 1 and "Traceback" not in out
    assert f"{bad} was not registered: model refused: 1 of 60 verification rows" in errors[0]
    with conn.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM churn.model), (SELECT count(*) FROM churn.model_compiled),"
            " (SELECT count(*) FROM churn.model_audit)"
        )
        assert cur.fetchone() == (0, 0, 0)


def test_a_refused_activation_says_the_model_is_registered(db_url, conn, club, login_as, tmp_path):
    path = tmp_path / "club_loyalty.pmml"
    export(path, extra_numeric=("loyalty_points",))  # a column the profile does not have
    out = run(
        deployer_url(db_url, login_as), "models", "register", str(path), "--activate", ok=False
    )
    model_id = int(re.search(r"registered model (\d+) 'club_loyalty'", out).group(1))
    assert "loyalty_points" in out  # the baselines' warning and the refusal name the field
    assert f"model {model_id} IS registered, but was not activated:" in out
    with conn.cursor() as cur:
        cur.execute("SELECT status FROM churn.model WHERE model_id = %s", (model_id,))
        assert cur.fetchone() == ("registered",)
