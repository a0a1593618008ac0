"""Training: point-in-time features, no label leakage, registration through the gate."""

from datetime import UTC, datetime, timedelta

import pytest
from pgchurn.train import dataset, trainer

from pgchurn.seed import SeedSpec, seed_database
from tests.db.helpers import add_customer

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def complain_at(cur, customer_id, when, severity=3):
    cur.execute(
        "INSERT INTO churn.complaint (customer_id, created_at, category, severity, channel)"
        " VALUES (%s, %s, 'billing', %s, 'phone')",
        (customer_id, when, severity),
    )


@pytest.mark.demo_profile
def test_no_label_leakage_from_complaints_after_churn(conn, db_url):
    churned_at = T0 + timedelta(days=100)
    with conn.cursor() as cur:
        add_customer(cur, 1, customer_since="2024-01-01")
        add_customer(cur, 2, customer_since="2024-01-01")
        complain_at(cur, 1, T0 + timedelta(days=10))
        complain_at(cur, 1, T0 + timedelta(days=60), severity=5)
        for k in range(5):  # final-bill disputes after the customer left
            complain_at(cur, 1, churned_at + timedelta(days=3 + k))
        cur.execute(
            "UPDATE churn.customer_profile SET churned_at = %s WHERE customer_id = 1", (churned_at,)
        )
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("SELECT complaints_total FROM churn.customer_score WHERE customer_id = 1")
        assert cur.fetchone() == (7,), "the counter does include the disputes"

    horizon = timedelta(days=90)
    before = dataset.snapshot_from_db(db_url, T0 + timedelta(days=70), horizon).set_index(
        "customer_id"
    )
    assert before.loc[1, "complaints_total"] == 2, "only complaints before the cutoff"
    assert before.loc[1, "complaints_30d"] == 1 and before.loc[1, "severe_complaints_90d"] == 1
    assert before.loc[1, "churned"] == 1, "churned within 90 days after the cutoff"
    assert before.loc[2, "churned"] == 0
    early = dataset.snapshot_from_db(db_url, T0 + timedelta(days=5), horizon).set_index(
        "customer_id"
    )
    assert early.loc[1, "complaints_total"] == 0 and early.loc[1, "churned"] == 0, "churned later"
    after = dataset.snapshot_from_db(db_url, churned_at + timedelta(days=30), horizon)
    assert 1 not in set(after["customer_id"]), "a churned customer is not a row after churning"


def test_training_windows_end_before_the_holdout_starts():
    reference = datetime(2026, 11, 1, tzinfo=UTC)
    plan = dataset.plan_cutoffs(reference, horizon_days=90, train_snapshots=3, spacing_days=30)
    assert plan.test_cutoff + plan.horizon == reference
    assert all(c + plan.horizon <= plan.test_cutoff for c in plan.train_cutoffs)
    assert list(plan.train_cutoffs) == sorted(plan.train_cutoffs) and len(plan.train_cutoffs) == 3


def test_train_registers_verified_model_with_metrics_and_baselines(conn, db_url):
    seed_database(db_url, SeedSpec(6000, seed=3, now=datetime(2026, 10, 1, tzinfo=UTC)))
    result = trainer.run(
        db_url,
        trainer.Options("logistic", name="lr-test"),
        register_to=db_url,
        activate_it=True,
        say=lambda s: None,
    )
    assert result.activated and result.previous_active is None
    assert 0.5 < result.metrics["roc_auc"] <= 1.0
    with conn.cursor() as cur:
        cur.execute(
            "SELECT status, verification_rows, metrics ? 'brier', training_summary->'train_rows',"
            " baselines->'numeric' ? 'tenure_months', baselines->'score' ? 'edges',"
            " library_versions->>'sklearn2pmml', input_fields"
            " FROM churn.model WHERE model_id = %s",
            (result.model_id,),
        )
        status, verified, has_brier, rows, has_tenure, has_score, s2p, fields = cur.fetchone()
    assert status == "active" and verified > 0 and has_brier and rows > 1000
    assert has_tenure and has_score and s2p == "0.133.1"
    assert "total_charges" not in {f["name"] for f in fields}, "not point-in-time, not a feature"
    assert "total_charges" in result.summary["ignored_attributes"], "the demo ignores it"
    assert result.summary["label_mode"] == "point-in-time"
    assert {"contract_type", "monthly_charges", "tenure_months"} <= set(result.summary["inputs"])
    assert result.metrics["calibration"] and result.summary["test_rows"] > 0


def test_train_from_csv_registers_through_the_cli(conn, db_url, tmp_path):
    import pandas as pd
    from click.testing import CliRunner

    from pgchurn.cli import main

    seed_database(db_url, SeedSpec(5000, seed=5, now=datetime(2026, 10, 1, tzinfo=UTC)))
    reference = dataset.latest_event(db_url)
    plan = dataset.plan_cutoffs(reference, horizon_days=90, train_snapshots=2, spacing_days=30)
    cutoffs = [*plan.train_cutoffs, plan.test_cutoff]
    frame = pd.concat([dataset.snapshot_from_db(db_url, c, plan.horizon) for c in cutoffs])
    path = tmp_path / "training.csv"
    frame.to_csv(path, index=False)

    result = CliRunner().invoke(
        main,
        [
            "--database-url",
            db_url,
            "train",
            "--model",
            "logistic",
            "--csv",
            str(path),
            "--name",
            "from-csv",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "roc_auc" in result.output and "registered model" in result.output
    with conn.cursor() as cur:
        cur.execute(
            "SELECT training_summary->>'source', verification_rows > 0 FROM churn.model WHERE name = 'from-csv'"
        )
        assert cur.fetchone() == (str(path), True)
