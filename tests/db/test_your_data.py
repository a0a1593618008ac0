"""Your data, not the demo's: the fitness club of `pgchurn example-data` end to end.

The DBA adds the club's attributes with ALTER TABLE (attributes.sql), the application loads
the members and complaints with COPY, `pgchurn train --snapshot` trains on members who left
in the last 30 days, and the scores inside PostgreSQL are compared with scikit-learn's
`predict_proba` on the same rows, and with the generator's true churn probability.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2
import pytest
from click.testing import CliRunner
from pgchurn.train import trainer
from pgchurn.train.export import export_pmml
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn2pmml import sklearn2pmml
from sklearn2pmml.pipeline import PMMLPipeline

from pgchurn import example_data as ed
from pgchurn import migrate
from pgchurn.cli import main
from tests.db.helpers import register, score_now

MEMBERS = 3000
SEED = 16
TOLERANCE = 1e-9
CUSTOMER_COPY = (
    f"COPY churn.customer_profile ({', '.join(ed.CUSTOMER_COLUMNS)})"
    " FROM STDIN WITH (FORMAT csv, HEADER true)"
)
COMPLAINT_COPY = (
    f"COPY churn.complaint ({', '.join(ed.COMPLAINT_COLUMNS)})"
    " FROM STDIN WITH (FORMAT csv, HEADER true)"
)
SCORED = """
SELECT s.customer_id, s.churn_score, churn.customer_features(s.customer_id, s.churn_scored_at)
  FROM churn.customer_score s
 WHERE s.churn_model_id = %s AND s.churn_score IS NOT NULL
 ORDER BY s.customer_id
"""


# ---------------------------------------------------------------------------- the dataset
@pytest.fixture(scope="module")
def now() -> datetime:
    """The generator's reference time: the present, so complaints are never in the future."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, now: datetime) -> Path:
    """customers.csv, complaints.csv and attributes.sql, written by `pgchurn example-data`."""
    out = tmp_path_factory.mktemp("fitness")
    args = ["example-data", "--customers", str(MEMBERS), "--seed", str(SEED), "--now", str(now)]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def data(now: datetime) -> ed.ExampleData:
    """The same rows as the files, in memory, with the true churn probability."""
    return ed.generate(MEMBERS, seed=SEED, now=now)


def add_attributes(conn, files: Path) -> None:
    """The DBA's step: attributes.sql, as the owner of schema churn."""
    with conn.cursor() as cur:
        cur.execute((files / "attributes.sql").read_text())
    conn.commit()


def load(app, files: Path) -> None:
    """The application's step: COPY the members, then their complaints."""
    with app.cursor() as cur:
        with open(files / "customers.csv") as f:
            cur.copy_expert(CUSTOMER_COPY, f)
        with open(files / "complaints.csv") as f:
            cur.copy_expert(COMPLAINT_COPY, f)


def ml_url(conn, db_url: str, login_as) -> str:
    """The URL of a login as docs/your-data.md has it: a deployer that may read (analyst)."""
    user = login_as("pgchurn_deployer").info.user
    with conn.cursor() as cur:
        cur.execute(f'GRANT pgchurn_analyst TO "{user}"')
    conn.commit()
    return db_url.replace("postgres@", f"{user}@")


def cli(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--database-url", db_url, *args])
    assert result.exit_code == 0, result.output
    return result.output


def as_frame(features: list[dict]) -> pd.DataFrame:
    """customer_features jsonb objects as model inputs: booleans as 1/0, JSON null as missing."""
    frame = pd.DataFrame(features)
    for name in frame.columns:
        values = frame[name].dropna()
        if len(values) and values.map(lambda v: isinstance(v, bool)).all():
            frame[name] = frame[name].map(lambda v: np.nan if v is None else int(v))
        elif len(values) and values.map(lambda v: isinstance(v, int | float)).all():
            frame[name] = pd.to_numeric(frame[name])
    return frame


def scored(cur, model_id: int) -> tuple[pd.Series, pd.DataFrame]:
    """(score by customer, the features each score was computed from) for a model."""
    cur.execute(SCORED, (model_id,))
    rows = cur.fetchall()
    ids = [r[0] for r in rows]
    scores = pd.Series([r[1] for r in rows], index=ids, dtype=float)
    return scores, as_frame([r[2] for r in rows]).set_index(pd.Index(ids))


def active_model(cur) -> int | None:
    cur.execute("SELECT model_id FROM churn.model WHERE status = 'active'")
    row = cur.fetchone()
    return row[0] if row else None


def generator_frame(data: ed.ExampleData) -> pd.DataFrame:
    """The generator's members with the features pgchurn derives, and the label churned."""
    frame = ed.complaint_features(data.customers, data.complaints, data.now)
    frame["auto_renew"] = frame["auto_renew"].astype(int)
    frame["churned"] = frame["churned_at"].notna().astype(int)
    return frame


def complain_as_app(app, customer_ids, severity: int) -> None:
    with app.cursor() as cur:
        for customer_id in customer_ids:
            cur.execute(
                "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                " VALUES (%s, 'service', %s, 'store')",
                (int(customer_id), severity),
            )


# ---------------------------------------------------------------------------- tests
def test_snapshot_training_on_your_data_scores_as_scikit_learn_does(
    conn, db_url, login_as, files, data
):
    add_attributes(conn, files)
    app = login_as("pgchurn_app")
    load(app, files)

    ml = ml_url(conn, db_url, login_as)  # the documented role, not a superuser
    out = cli(ml, "train", "--snapshot", "--model", "logistic", "--name", "fitness-lr",
              "--activate")  # fmt: skip
    assert "activated model" in out
    cli(ml, "rescore")
    with conn.cursor() as cur:
        model_id = active_model(cur)
        cur.execute("SELECT metrics FROM churn.model WHERE model_id = %s", (model_id,))
        registered_metrics = cur.fetchone()[0]
    # The same data and options fit the same model in-process (lbfgs is deterministic).
    again = trainer.run(db_url, trainer.Options("logistic", snapshot=True), say=lambda s: None)
    assert again.metrics["roc_auc"] == pytest.approx(registered_metrics["roc_auc"], abs=1e-12)
    pipeline, summary = again.pipeline, again.summary
    inputs = summary["numeric_features"] + summary["categorical_features"]
    assert "member_note" not in inputs, "listed in churn.ignored_attribute"
    assert {"membership_plan", "satisfaction", "auto_renew", "complaints_90d"} <= set(inputs)

    # Complaints from the application move scores, in the inserting transaction.
    with conn.cursor() as cur:
        before, _ = scored(cur, model_id)
    stayed = data.customers.loc[data.customers["churned_at"].isna(), "customer_id"]
    severe, mild = stayed.iloc[:30], stayed.iloc[30:60]
    complain_as_app(app, severe, 5)
    complain_as_app(app, mild, 1)

    with conn.cursor() as cur:
        scores, features = scored(cur, model_id)
    expected = pipeline.predict_proba(features[inputs])[:, 1]
    gap = np.abs(scores.to_numpy() - expected).max()
    assert len(scores) >= MEMBERS - data.customers["churned_at"].notna().sum()
    assert gap <= TOLERANCE, f"PostgreSQL against scikit-learn: max |difference| {gap:.3g}"
    print(f"snapshot logistic: {len(scores)} rows, max |PostgreSQL - scikit-learn| {gap:.3g}")

    # The model says true things: it ranks the generator's real churners, and it follows
    # the true mechanism's direction on complaints.
    truth = data.customers.set_index("customer_id")["churned_at"].notna()
    frame = generator_frame(data).set_index("customer_id")
    model_auc = roc_auc_score(truth, pipeline.predict_proba(frame[inputs])[:, 1])
    oracle_auc = roc_auc_score(truth, data.probability)
    assert model_auc > 0.7 and model_auc > oracle_auc - 0.05, (model_auc, oracle_auc)
    raised = scores - before
    assert (raised.loc[pd.concat([severe, mild])] > 0).all(), "a complaint raises the score"
    assert raised.loc[severe].mean() > raised.loc[mild].mean(), "a severe one raises it more"


def test_an_external_model_registered_through_the_cli_scores_as_scikit_learn_does(
    conn, db_url, login_as, files, data, tmp_path
):
    add_attributes(conn, files)
    load(login_as("pgchurn_app"), files)
    numeric = ["tenure_months", "complaints_30d", "complaints_90d", "severe_complaints_90d",
               "monthly_fee", "visits_last_30d", "satisfaction", "auto_renew"]  # fmt: skip
    categorical = ["membership_plan", "home_club"]
    frame = generator_frame(data)
    pipeline = PMMLPipeline(
        [
            (
                "columns",
                ColumnTransformer(
                    [
                        ("numeric", SimpleImputer(strategy="median"), numeric),
                        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
                    ]
                ),
            ),
            (
                "classifier",
                GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0),
            ),
        ]
    )
    pipeline.fit(frame[numeric + categorical], frame["churned"])
    pipeline.verify(frame[numeric + categorical].sample(n=100, random_state=0))
    path = tmp_path / "club_gbdt.pmml"
    sklearn2pmml(pipeline, str(path))

    ml = ml_url(conn, db_url, login_as)
    out = cli(ml, "models", "register", str(path), "--name", "club-gbdt", "--activate")
    assert "is active" in out
    cli(ml, "rescore")
    with conn.cursor() as cur:
        model_id = active_model(cur)
        cur.execute("SELECT name, baselines FROM churn.model WHERE model_id = %s",
                    (model_id,))  # fmt: skip
        name, baselines = cur.fetchone()
        assert name == "club-gbdt" and "monthly_fee" in baselines["numeric"], baselines
        assert set(baselines["categorical"]["membership_plan"]["frequencies"]) == set(ed.PLANS)
        scores, features = scored(cur, model_id)
    expected = pipeline.predict_proba(features[numeric + categorical])[:, 1]
    gap = np.abs(scores.to_numpy() - expected).max()
    assert len(scores) > MEMBERS // 2
    assert gap <= TOLERANCE, f"PostgreSQL against scikit-learn: max |difference| {gap:.3g}"
    print(f"external gbdt: {len(scores)} rows, max |PostgreSQL - scikit-learn| {gap:.3g}")


def respelled_pmml(data: ed.ExampleData, tmp_path: Path, spell) -> str:
    """A logistic regression whose plans and clubs are spelled by `spell`, exported verified."""
    frame = generator_frame(data)
    frame["membership_plan"] = frame["membership_plan"].map(spell)
    frame["home_club"] = frame["home_club"].map(spell)
    numeric, categorical = ["tenure_months", "complaints_90d"], ["membership_plan", "home_club"]
    pipeline = PMMLPipeline(
        [
            (
                "columns",
                ColumnTransformer(
                    [
                        ("numeric", StandardScaler(), numeric),
                        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
                    ]
                ),
            ),
            ("classifier", LogisticRegression(max_iter=1000)),
        ]
    )
    pipeline.fit(frame[numeric + categorical], frame["churned"])
    sample = frame[numeric + categorical].sample(n=50, random_state=0)
    return export_pmml(pipeline, sample, tmp_path / "respelled.pmml")


def kebab(value: str) -> str:
    return value.lower().replace(" ", "-")


def test_a_model_with_another_vocabulary_is_refused_and_the_message_names_each_field(
    conn, login_as, files, data, tmp_path
):
    add_attributes(conn, files)
    load(login_as("pgchurn_app"), files)
    with conn.cursor() as cur:
        good = register(cur, respelled_pmml(data, tmp_path, str), "same-spelling")
        cur.execute("SELECT churn.activate_model(%s)", (good,))
        bad = register(cur, respelled_pmml(data, tmp_path, kebab), "kebab-case")
        cur.execute(
            "SELECT membership_plan, count(*) FROM churn.customer_profile"
            " WHERE churned_at IS NULL GROUP BY 1"
        )
        plans = dict(cur.fetchall())
    conn.commit()

    with conn.cursor() as cur, pytest.raises(psycopg2.Error) as refused:
        cur.execute("SELECT churn.activate_model(%s)", (bad,))
    conn.rollback()
    diag = refused.value.diag
    message = "\n".join(
        filter(None, (diag.message_primary, diag.message_detail, diag.message_hint))
    )
    assert "membership_plan" in message and "home_club" in message, message
    for plan, count in plans.items():
        assert re.search(rf"'{plan}'\D{{0,8}}{count:,}|'{plan}'\D{{0,8}}{count}\b", message), (
            f"unknown value {plan!r} with its count {count}: {message}"
        )
    assert "'gold-plus'" in message and "'north-park'" in message, "the values the model expects"
    assert "allow_unseen_categories" in message, "the message names the override"
    with conn.cursor() as cur:
        assert active_model(cur) == good, "the active model stays active"
        cur.execute("SELECT churn.activate_model(%s, allow_unseen_categories => true)", (bad,))
        conn.commit()
        assert active_model(cur) == bad


def test_an_attribute_added_before_an_upgrade_still_works_after_it(empty_db_url, data, tmp_path):
    migrate.upgrade(empty_db_url, "0010")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(
            "ALTER TABLE churn.customer_profile ADD COLUMN membership_plan text"
            " CONSTRAINT membership_plan_is_known"
            " CHECK (membership_plan IN ('Basic', 'Off Peak', 'Gold Plus', 'Family Share'))"
        )
        rows = data.customers.head(400)
        for r in rows.itertuples():
            # Revision 0010 still requires the demo's telecom attributes.
            cur.execute(
                "INSERT INTO churn.customer_profile (customer_id, customer_since, churned_at,"
                " membership_plan, contract_type, monthly_charges, payment_method,"
                " internet_service) VALUES (%s, %s, %s, %s, 'one-year', 20, 'credit-card', 'dsl')",
                (r.customer_id, r.customer_since.date(), None if pd.isna(r.churned_at)
                 else r.churned_at.tz_localize(UTC), r.membership_plan),
            )  # fmt: skip
    migrate.upgrade(empty_db_url)

    frame = generator_frame(data)
    numeric, categorical = ["tenure_months"], ["membership_plan"]
    pipeline = PMMLPipeline(
        [
            ("columns", ColumnTransformer([("numeric", StandardScaler(), numeric),
                                           ("categorical", OneHotEncoder(), categorical)])),
            ("classifier", LogisticRegression(max_iter=1000)),
        ]
    )  # fmt: skip
    pipeline.fit(frame[numeric + categorical], frame["churned"])
    pmml = export_pmml(pipeline, frame[numeric + categorical].head(50), tmp_path / "plan.pmml")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT churn.customer_features(1)")
        assert "membership_plan" in cur.fetchone()[0]
        model_id = register(cur, pmml, "reads-membership-plan")
        cur.execute("SELECT churn.activate_model(%s)", (model_id,))
        cur.execute(
            "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
            " SELECT customer_id, 'billing', 4, 'email' FROM churn.customer_profile"
            " WHERE churned_at IS NULL ORDER BY customer_id LIMIT 20"
        )
        score_now(cur)
        scores, features = scored(cur, model_id)
    assert len(scores) == 20
    expected = pipeline.predict_proba(features[numeric + categorical])[:, 1]
    assert np.abs(scores.to_numpy() - expected).max() <= TOLERANCE
    assert features["membership_plan"].isin(ed.PLANS).all()
