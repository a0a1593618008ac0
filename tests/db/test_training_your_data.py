"""Training on a company's own attributes, with churners marked only in the last month.

The dataset looks nothing like the demo: a loyalty tier spelled with spaces and capitals, a
basket value with missing values, a boolean (some of them NULL too), a free-text column pgchurn is told to ignore, a
column that is NULL everywhere and an internal reference kept out with --exclude. Every churner
left in the last 28 days, so there is no history to train point-in-time on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pgchurn.train import trainer
from pgchurn.train.features import COMPLAINT_DIRECTION, attribute_column
from psycopg2.extras import execute_values

from pgchurn.cli import main
from tests.db.helpers import complain

TIERS = ("Gold Plus", "Silver", "Bronze Basic")
ATTRIBUTES = """
ALTER TABLE churn.customer_profile
  ADD COLUMN loyalty_tier text,
  ADD COLUMN avg_basket numeric(10, 2),
  ADD COLUMN has_app boolean,
  ADD COLUMN email text,
  ADD COLUMN notes text,
  ADD COLUMN store_ref integer
"""
PROFILE = (
    "INSERT INTO churn.customer_profile (customer_id, customer_since, churned_at, loyalty_tier,"
    " avg_basket, has_app, email, notes, store_ref) VALUES %s"
)
COMPLAINT = (
    "INSERT INTO churn.complaint (customer_id, created_at, category, severity, channel) VALUES %s"
)
DERIVED = {
    "tenure_months",
    "complaints_total",
    "complaints_30d",
    "complaints_90d",
    "severe_complaints_90d",
    "days_since_last_complaint",
    "max_severity_30d",
    "severity_sum_90d",
}


def load_retail(conn, n: int = 2000, seed: int = 7) -> dict[str, int]:
    """Add the attributes with ALTER TABLE and load `n` customers whose churn follows a logit.

    Churn is more likely for 'Bronze Basic', less for 'Gold Plus' and app users, more with each
    complaint; every churner left 1 to 28 days ago.
    """
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    tier = rng.choice(TIERS, size=n, p=[0.25, 0.45, 0.30])
    tier_missing = rng.random(n) < 0.03
    basket = np.round(rng.gamma(2.0, 30.0, size=n), 2)
    basket_missing = rng.random(n) < 0.2
    app = rng.random(n) < 0.5
    app_missing = rng.random(n) < 0.05
    complaints = rng.poisson(0.8, size=n)
    logit = (
        -1.6
        + 1.2 * (tier == "Bronze Basic")
        - 1.0 * (tier == "Gold Plus")
        - 0.8 * (app & ~app_missing)
        + 0.5 * complaints
        - 0.01 * (np.where(basket_missing, 60.0, basket) - 60.0)
    )
    churned = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    left = now - pd.to_timedelta(rng.uniform(1.0, 28.0, size=n), unit="D")
    since = now - pd.to_timedelta(rng.integers(60, 1500, size=n), unit="D")
    rows = [
        (
            i + 1,
            since[i].date(),
            left[i] if churned[i] else None,
            None if tier_missing[i] else str(tier[i]),
            None if basket_missing[i] else float(basket[i]),
            None if app_missing[i] else bool(app[i]),
            f"customer{i + 1}@example.com",
            None,
            int(rng.integers(1, 90)),
        )
        for i in range(n)
    ]
    events = [
        (
            i + 1,
            now - timedelta(days=float(rng.uniform(2.0, 200.0))),
            "billing",
            int(rng.integers(1, 6)),
            "phone",
        )
        for i in range(n)
        for _ in range(complaints[i])
    ]
    with conn.cursor() as cur:
        cur.execute(ATTRIBUTES)
        cur.execute(
            "INSERT INTO churn.ignored_attribute (column_name, reason)"
            " VALUES ('email', 'contact data, not a churn signal')"
        )
        execute_values(cur, PROFILE, rows, page_size=1000)
        execute_values(cur, COMPLAINT, events, page_size=1000)
    conn.commit()
    return {"customers": n, "churners": int(churned.sum())}


def train_cli(db_url: str, *args: str):
    return CliRunner().invoke(
        main, ["--database-url", db_url, "train", "--model", "logistic", *args]
    )


def error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("pgchurn: error:")]
    assert len(lines) == 1, output
    assert "Traceback" not in output and "y contains" not in output, output
    return lines[0]


def models(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.model")
        return int(cur.fetchone()[0])


def features_frame(rows: list[dict], inputs: list[str]) -> pd.DataFrame:
    """Flat jsonb feature objects as the columns training used (booleans 1/0, null missing)."""
    return pd.DataFrame({k: attribute_column([r.get(k) for r in rows]) for k in inputs})


def test_snapshot_training_uses_the_attributes_a_dba_added_and_scores_like_scikit_learn(
    conn, db_url
):
    load_retail(conn)
    result = trainer.run(
        db_url,
        trainer.Options("logistic", snapshot=True, exclude=("store_ref",), name="retail-lr"),
        register_to=db_url,
        activate_it=True,
        say=lambda s: None,
    )
    summary = result.summary
    assert summary["label_mode"] == "snapshot" and summary["period_days"] == 30
    assert summary["excluded_inputs"] == ["store_ref"]
    assert summary["dropped_inputs_all_missing"] == ["notes"]
    assert set(summary["ignored_attributes"]) == {"email"}
    assert set(summary["inputs"]) == DERIVED | {"loyalty_tier", "avg_basket", "has_app"}
    assert summary["categorical_features"] == ["loyalty_tier"]
    assert summary["test_rows"] == pytest.approx(
        0.25 * (summary["train_rows"] + summary["test_rows"]), abs=1
    )
    assert result.metrics["roc_auc"] > 0.65, "the tier, the app and complaints drive churn"
    with conn.cursor() as cur:
        cur.execute(
            "SELECT status, input_fields FROM churn.model WHERE model_id = %s", (result.model_id,)
        )
        status, fields = cur.fetchone()
    assert status == "active"
    by_name = {f["name"]: f for f in fields}
    # a complaint coefficient of the wrong sign is held at 0, and sklearn2pmml leaves its field out
    held = {name for name, sign in summary["monotone_constraints"].items() if sign == 0}
    assert set(by_name) == set(summary["inputs"]) - held
    for name, sign in summary["monotone_constraints"].items():
        assert sign * COMPLAINT_DIRECTION[name] >= 0, (name, sign)
    assert set(by_name["loyalty_tier"].get("values", [])) == set(TIERS)

    inputs = summary["inputs"]
    with conn.cursor() as cur:
        cur.execute(
            "SELECT churn.customer_features(id), churn.predict(churn.customer_features(id), %s)"
            "  FROM generate_series(1, 2000, 7) id ORDER BY id",
            (result.model_id,),
        )
        rows = cur.fetchall()
    frame = features_frame([r[0] for r in rows], inputs)
    assert frame["avg_basket"].isna().any() and frame["has_app"].isna().any()
    assert frame["loyalty_tier"].isna().any()
    expected = result.pipeline.predict_proba(frame[inputs])[:, 1]
    in_db = np.array([r[1] for r in rows])
    assert np.max(np.abs(in_db - expected)) < 1e-9

    with conn.cursor() as cur:
        for customer_id in (3, 4, 5):
            complain(cur, customer_id)
        cur.execute(
            "SELECT churn.customer_features(customer_id, churn_scored_at), churn_score"
            "  FROM churn.customer_score WHERE customer_id IN (3, 4, 5) ORDER BY customer_id"
        )
        scored = cur.fetchall()
    conn.commit()
    frame = features_frame([r[0] for r in scored], inputs)
    assert (frame["complaints_30d"] >= 1).all()
    expected = result.pipeline.predict_proba(frame[inputs])[:, 1]
    assert np.max(np.abs(np.array([r[1] for r in scored]) - expected)) < 1e-9


def test_snapshot_training_through_the_cli_registers_and_activates(conn, db_url):
    load_retail(conn, n=1200, seed=11)
    result = train_cli(db_url, "--snapshot", "--name", "retail-cli", "--activate",
                       "--min-holdout-churners", "20")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "registered model" in result.output and "activated model" in result.output
    with conn.cursor() as cur:
        cur.execute(
            "SELECT status, training_summary->>'label_mode' FROM churn.model"
            " WHERE name = 'retail-cli'"
        )
        assert cur.fetchone() == ("active", "snapshot")


def test_point_in_time_training_on_snapshot_only_churn_is_refused_naming_snapshot(conn, db_url):
    load_retail(conn, n=600)
    result = train_cli(db_url)
    assert result.exit_code == 1
    line = error_line(result.output)
    assert "point-in-time training is not possible" in line and "--snapshot" in line
    assert re.search(r"training cutoffs \(.*\) hold \d+ customers, 0 of whom churned", line), line
    assert models(conn) == 0


def test_a_holdout_with_too_few_churners_registers_nothing_and_says_how_many(conn, db_url):
    load_retail(conn)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FILTER (WHERE churned_at > r - interval '7 days'),"
            "       count(*) FILTER (WHERE churned_at IS NULL OR churned_at > r - interval '7 days')"
            "  FROM churn.customer_profile,"
            "       (SELECT greatest((SELECT max(created_at) FROM churn.complaint),"
            "                        (SELECT max(churned_at) FROM churn.customer_profile)) r) ref"
        )
        churners, rows = cur.fetchone()
    result = train_cli(db_url, "--snapshot", "--period-days", "7")
    assert result.exit_code == 1
    line = error_line(result.output)
    found = re.search(r"the holdout holds (\d+) churners among (\d+) rows", line)
    assert found, line
    assert abs(int(found[1]) - churners / 4) <= 1 and abs(int(found[2]) - rows / 4) <= 1
    assert int(found[1]) < 50 and "--min-holdout-churners 50" in line and "--period-days" in line
    assert models(conn) == 0


@pytest.mark.parametrize("column", ["tenure_months", "complaints_30d"])
def test_a_profile_column_named_like_a_derived_feature_is_refused(conn, db_url, column):
    with conn.cursor() as cur:
        cur.execute(f"ALTER TABLE churn.customer_profile ADD COLUMN {column} integer")
        cur.execute("INSERT INTO churn.customer_profile (customer_id) VALUES (1)")
    conn.commit()
    result = train_cli(db_url, "--snapshot")
    assert result.exit_code == 1
    line = error_line(result.output)
    assert f"column '{column}'" in line and "rename it" in line
