"""The company's own attributes: a column added with ALTER TABLE reaches every part of pgchurn.

The database here is freshly migrated, so its profile has only pgchurn's columns. A small
company (a bakery subscription, say) adds its own: a plan with spaces and capitals, a monthly
spend with missing values, an autopay flag. Expected scores come from the scikit-learn
pipeline the test fits itself, never from pgchurn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import psycopg2
import pytest
from pgchurn.train.export import export_pmml
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn2pmml.pipeline import PMMLPipeline

from tests.db.helpers import as_model_input

PLANS = ["Weekly Loaf", "Pastry Club", "Family Box"]
NUMERIC = ["monthly_spend", "autopay", "tenure_months", "complaints_90d"]
INPUTS = [*NUMERIC, "plan"]
ADD_COLUMNS = """
ALTER TABLE churn.customer_profile
    ADD COLUMN plan text CONSTRAINT bakery_plan_is_known
        CHECK (plan IN ('Weekly Loaf', 'Pastry Club', 'Family Box')),
    ADD COLUMN monthly_spend numeric,
    ADD COLUMN autopay boolean NOT NULL DEFAULT false
"""


def load_customers(cur, n: int, seed: int = 7) -> None:
    """n customers; about 15% have no monthly_spend."""
    rng = np.random.default_rng(seed)
    for i in range(1, n + 1):
        spend = None if rng.random() < 0.15 else round(float(rng.gamma(3.0, 9.0)), 2)
        cur.execute(
            "INSERT INTO churn.customer_profile"
            " (customer_id, customer_since, plan, monthly_spend, autopay)"
            " VALUES (%s, current_date - %s, %s, %s, %s)",
            (i, int(rng.integers(10, 900)), PLANS[i % 3], spend, bool(rng.random() < 0.5)),
        )


def features(cur) -> pd.DataFrame:
    cur.execute(
        "SELECT f.customer_id, churn.customer_features(f.customer_id) FROM churn.feature_frame(now()) f"
        " ORDER BY 1"
    )
    rows = [as_model_input(fs) | {"customer_id": cid} for cid, fs in cur.fetchall()]
    frame = pd.DataFrame(rows)
    if "monthly_spend" in frame:
        frame["monthly_spend"] = frame["monthly_spend"].astype(float)
    return frame


def fit(
    frame: pd.DataFrame,
    tmp_path,
    categorical: tuple[str, ...] = ("plan",),
    numeric: tuple[str, ...] = tuple(NUMERIC),
) -> tuple[PMMLPipeline, str]:
    """A logistic pipeline on labels drawn from a known mechanism (plan, spend, autopay)."""
    inputs = [*numeric, *categorical]
    rng = np.random.default_rng(3)
    plan = frame["plan"] if "plan" in frame else pd.Series("", index=frame.index)
    spend = frame["monthly_spend"].fillna(25.0) if "monthly_spend" in frame else 25.0
    autopay = frame["autopay"] if "autopay" in frame else 0
    logit = (
        -0.5
        + 1.2 * (plan == "Weekly Loaf")
        - 0.04 * (spend - 25.0)
        - 0.8 * autopay
        - 0.02 * frame["tenure_months"]
    )
    y = (rng.random(len(frame)) < 1 / (1 + np.exp(-logit))).astype(int)
    columns = ColumnTransformer(
        [
            (
                "numeric",
                Pipeline(
                    [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
                ),
                list(numeric),
            ),
            *(
                [("categorical", OneHotEncoder(handle_unknown="ignore"), list(categorical))]
                if categorical
                else []
            ),
        ]
    )
    pipeline = PMMLPipeline([("columns", columns), ("classifier", LogisticRegression())])
    pipeline.fit(frame[inputs], y)
    pmml = export_pmml(pipeline, frame[inputs].head(50), tmp_path / "bakery.pmml")
    return pipeline, pmml


def register_and_activate(cur, pmml: str) -> int:
    cur.execute("SELECT churn.register_model(%s, 'bakery')", (pmml,))
    model_id = int(cur.fetchone()[0])
    cur.execute("SELECT churn.activate_model(%s)", (model_id,))
    return model_id


def test_a_minimal_row_needs_nothing_pgchurn_does_not_own(conn, login_as):
    app = login_as("pgchurn_app")
    with app.cursor() as cur:
        cur.execute("INSERT INTO churn.customer_profile (customer_id) VALUES (1)")
        cur.execute("INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                    " VALUES (1, 'service', 4, 'phone')")  # fmt: skip
    with conn.cursor() as cur:
        cur.execute("SELECT attributes, tenure_months FROM churn.feature_frame(now())")
        assert cur.fetchall() == [({}, 0)]
        cur.execute("SELECT complaints_total, churn_score_stale FROM churn.customer_score")
        # no model is active: the complaint is kept and counted, the score marked stale
        assert cur.fetchall() == [(1, True)]


def test_an_added_column_is_an_input_everywhere_and_keeps_every_grant(conn, login_as, tmp_path):
    with conn.cursor() as cur:
        cur.execute(ADD_COLUMNS)
        cur.execute(
            "ALTER TABLE churn.customer_profile ADD COLUMN note text, ADD COLUMN born date,"
            " ADD COLUMN complaints_90d integer"  # the name of a derived feature
        )
        cur.execute(
            "INSERT INTO churn.ignored_attribute (column_name, reason) VALUES ('note', 'free text')"
        )
        load_customers(cur, 240)
        cur.execute("SELECT column_name, not_an_input_because IS NULL FROM churn.profile_attribute")
        inputs = dict(cur.fetchall())
        assert {k for k, v in inputs.items() if v} == {"plan", "monthly_spend", "autopay"}
        frame = features(cur)
        assert set(frame.columns) >= set(INPUTS) and not {"note", "born"} & set(frame.columns)
        # the derived feature wins: the column complaints_90d (all NULL) is never read
        assert frame["complaints_90d"].eq(0).all()
        pipeline, pmml = fit(frame, tmp_path)
        model_id = register_and_activate(cur, pmml)
    conn.commit()

    # the application writes the new columns (a table grant: nothing was granted per column)
    app = login_as("pgchurn_app")
    with app.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute(
            "INSERT INTO churn.customer_profile (customer_id, customer_since, plan, monthly_spend)"
            " VALUES (1000, current_date - 400, 'Weekly Loaf', NULL)"
        )
        cur.execute("INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                    " VALUES (1000, 'service', 5, 'email')")  # fmt: skip
        cur.execute("COMMIT")
        first = stored_score(conn, 1000)
        cur.execute("UPDATE churn.customer_profile SET monthly_spend = 80, autopay = true"
                    " WHERE customer_id = 1000")  # fmt: skip
        second = stored_score(conn, 1000)

    with conn.cursor() as cur:
        cur.execute(
            "SELECT churn.customer_features(1000, churn_scored_at) FROM churn.customer_score"
            " WHERE customer_id = 1000"
        )
        now = pd.DataFrame([as_model_input(cur.fetchone()[0])])
        now["monthly_spend"] = now["monthly_spend"].astype(float)
        expected = pipeline.predict_proba(now[INPUTS])[0, 1]
        assert second == pytest.approx(expected, abs=1e-9)
        assert second != pytest.approx(first, abs=1e-6), "updating the column rescored"
        cur.execute(
            "SELECT triggered_by, features FROM churn.score_log WHERE customer_id = 1000"
            " ORDER BY score_log_id"
        )
        log = cur.fetchall()
        assert [t for t, _ in log] == ["complaint", "profile_update"]
        assert log[-1][1]["plan"] == "Weekly Loaf" and log[-1][1]["autopay"] == 1
        assert float(log[-1][1]["monthly_spend"]) == 80.0
        cur.execute("SELECT feature FROM churn.explain(1000)")
        assert {"plan", "monthly_spend", "autopay"} <= {r[0] for r in cur.fetchall()}
    conn.commit()

    # the analyst reads the frame and the customer's features with the new columns
    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur:
        cur.execute("SELECT attributes FROM churn.feature_frame(now()) WHERE customer_id = 1000")
        assert cur.fetchone()[0] == {"plan": "Weekly Loaf", "monthly_spend": 80, "autopay": True}
        cur.execute("SELECT churn.predict(churn.customer_features(1000), %s)", (model_id,))
        assert cur.fetchone()[0] == pytest.approx(expected, abs=1e-9)


def stored_score(conn, customer_id: int) -> float:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT churn_score FROM churn.customer_score WHERE customer_id = %s", (customer_id,)
        )
        (score,) = cur.fetchone()
    conn.commit()
    assert score is not None
    return float(score)


def test_activation_names_every_field_it_cannot_bind(conn, tmp_path):
    with conn.cursor() as cur:
        cur.execute(ADD_COLUMNS)
        load_customers(cur, 120)
        pipeline, pmml = fit(features(cur), tmp_path)
        cur.execute("SELECT churn.register_model(%s, 'bakery')", (pmml,))
        model_id = cur.fetchone()[0]
        cur.execute("INSERT INTO churn.ignored_attribute VALUES ('plan', 'under review')")
        cur.execute("ALTER TABLE churn.customer_profile DROP COLUMN monthly_spend")
        with pytest.raises(psycopg2.errors.InvalidParameterValue) as refused:
            cur.execute("SELECT churn.activate_model(%s)", (model_id,))
    message = refused.value.pgerror
    assert "input field(s) 'monthly_spend', 'plan' cannot be bound" in message
    assert (
        "plan: churn.customer_profile has a column 'plan', but it is not a model input:" in message
    )
    assert "listed in churn.ignored_attribute: under review" in message
    assert "monthly_spend: churn.customer_profile has no column named 'monthly_spend'" in message


def test_activation_refuses_a_vocabulary_the_profile_does_not_use(conn, tmp_path):
    """The model spells its plans in lower case; the profile in title case: every field named."""
    with conn.cursor() as cur:
        cur.execute(ADD_COLUMNS)
        cur.execute("ALTER TABLE churn.customer_profile ADD COLUMN region text")
        load_customers(cur, 150)
        cur.execute(
            "UPDATE churn.customer_profile SET region = CASE WHEN customer_id % 10 = 0"
            " THEN NULL WHEN customer_id % 2 = 0 THEN 'North' ELSE 'South' END"
        )
        cur.execute("UPDATE churn.customer_profile SET churned_at = now() WHERE customer_id <= 30")
        frame = features(cur)
        frame["plan"] = frame["plan"].str.lower()
        frame["region"] = frame["region"].str.upper()  # NORTH / SOUTH; NULL stays missing
        frame.loc[frame["customer_id"] % 4 == 1, "region"] = "South"  # one value also known
        _, pmml = fit(frame, tmp_path, categorical=("plan", "region"))
        cur.execute("SELECT churn.register_model(%s, 'lower case')", (pmml,))
        model_id = cur.fetchone()[0]
        cur.execute("SAVEPOINT before")
        with pytest.raises(psycopg2.errors.InvalidParameterValue) as refused:
            cur.execute("SELECT churn.activate_model(%s)", (model_id,))
        cur.execute("ROLLBACK TO SAVEPOINT before")
        # what the message must count, from the rows themselves
        cur.execute(
            "SELECT plan, count(*) FROM churn.customer_profile WHERE churned_at IS NULL"
            " GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        plans = cur.fetchall()
        cur.execute(
            "SELECT count(*) FROM churn.customer_profile WHERE churned_at IS NULL"
            " AND region IS NOT NULL"
        )
        (regions,) = cur.fetchone()
        cur.execute("SELECT churn.activate_model(%s, allow_unseen_categories => true)", (model_id,))
        cur.execute("SELECT status FROM churn.model WHERE model_id = %s", (model_id,))
        assert cur.fetchone()[0] == "active"
        cur.execute(
            "SELECT reason FROM churn.model_audit WHERE model_id = %s AND action = 'activate'",
            (model_id,),
        )
        assert cur.fetchone()[0] == "allow_unseen_categories"
    message = refused.value.pgerror
    assert "field(s) 'plan', 'region' hold values the model has never seen" in message
    assert "for more than 10.0% of current customers" in message
    current = sum(n for _, n in plans)
    assert f"plan: {current} of {current} current customers (100.0%)" in message
    for plan, n in plans:
        assert f"'{plan}' ({n})" in message
    assert "the model expects 'family box', 'pastry club', 'weekly loaf'" in message
    assert "region: " in message and "'North' (" in message
    assert f"of {current} current customers" in message and regions < current
    assert "allow_unseen_categories => true" in message


def test_a_connection_opened_before_the_column_was_added_scores_with_it(conn, login_as, tmp_path):
    """Cached plans and the backend's compiled model do not hide a column added later."""
    app = login_as("pgchurn_app")  # a long-lived application connection, opened first
    with conn.cursor() as cur:
        for i in range(1, 121):
            cur.execute(
                "INSERT INTO churn.customer_profile (customer_id, customer_since)"
                " VALUES (%s, current_date - %s)",
                (i, 7 * i),
            )
        _, core_pmml = fit(features(cur), tmp_path, categorical=(), numeric=("tenure_months",))
        register_and_activate(cur, core_pmml)
    conn.commit()
    with app.cursor() as cur:  # this backend plans and caches the scoring statement
        cur.execute("INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                    " VALUES (5, 'billing', 2, 'chat')")  # fmt: skip
    stored_score(conn, 5)

    with conn.cursor() as cur:  # the DBA adds the company's columns; a new model reads them
        cur.execute(ADD_COLUMNS)
        cur.execute(
            "UPDATE churn.customer_profile SET plan = (ARRAY['Weekly Loaf', 'Pastry Club',"
            " 'Family Box'])[customer_id % 3 + 1], monthly_spend = 10 + customer_id % 40,"
            " autopay = customer_id % 2 = 0"
        )
        pipeline, pmml = fit(features(cur), tmp_path)
        register_and_activate(cur, pmml)
    conn.commit()
    with app.cursor() as cur:  # the same backend scores with the new columns
        cur.execute("INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                    " VALUES (5, 'billing', 4, 'phone')")  # fmt: skip
    with conn.cursor() as cur:
        cur.execute(
            "SELECT churn.customer_features(5, churn_scored_at), churn_score"
            " FROM churn.customer_score WHERE customer_id = 5"
        )
        row, score = cur.fetchone()
        cur.execute(
            "SELECT triggered_by, features ->> 'plan' FROM churn.score_log"
            " WHERE customer_id = 5 ORDER BY score_log_id DESC LIMIT 1"
        )
        assert cur.fetchone() == ("complaint", "Family Box")
    frame = pd.DataFrame([as_model_input(row)])
    frame["monthly_spend"] = frame["monthly_spend"].astype(float)
    assert score == pytest.approx(pipeline.predict_proba(frame[INPUTS])[0, 1], abs=1e-9)
