"""The second dataset (`pgchurn example-data`) without a database: shape, labels and oracle."""

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from pgchurn import example_data as ed
from pgchurn.cli import main
from pgchurn.seed import CATEGORIES, CHANNELS

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def data():
    return ed.generate(6000, seed=4, now=NOW)


def auc(labels, scores):
    """Mann-Whitney AUC, by hand (ties count half)."""
    ranks = pd.Series(scores).rank().to_numpy()
    pos = np.asarray(labels, dtype=bool)
    n1, n0 = pos.sum(), (~pos).sum()
    return (ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def test_same_seed_and_now_give_the_same_rows_and_another_seed_does_not(data):
    again = ed.generate(6000, seed=4, now=NOW)
    pd.testing.assert_frame_equal(again.customers, data.customers)
    pd.testing.assert_frame_equal(again.complaints, data.complaints)
    other = ed.generate(6000, seed=5, now=NOW)
    assert not other.customers["membership_plan"].equals(data.customers["membership_plan"])


def test_attributes_look_nothing_like_the_demo(data):
    c = data.customers
    assert list(c.columns) == list(ed.CUSTOMER_COLUMNS)
    assert set(c["membership_plan"]) == set(ed.PLANS) and "Gold Plus" in ed.PLANS
    assert set(c["home_club"]) == set(ed.CLUBS)
    assert 0.2 < c["satisfaction"].isna().mean() < 0.4, "NULL: the survey was never answered"
    assert c["satisfaction"].dropna().between(0, 10).all()
    assert c["auto_renew"].dtype == bool and c["visits_last_30d"].dtype == np.int64
    assert (c["monthly_fee"] == c["monthly_fee"].round(2)).all() and (c["monthly_fee"] > 0).all()
    assert c["member_note"].notna().mean() < 0.2


def test_churners_left_in_the_last_30_days_and_nobody_before(data):
    churned = data.customers["churned_at"].dropna()
    now = pd.Timestamp(NOW).tz_localize(None)
    assert (churned > now - timedelta(days=30)).all() and (churned <= now).all()
    assert 0.08 < len(churned) / len(data.customers) < 0.25
    since = data.customers.loc[churned.index, "customer_since"]
    assert (since < churned).all()


def test_complaints_use_pgchurns_vocabulary_and_none_follows_churn(data):
    k = data.complaints
    assert set(k["category"]) <= set(CATEGORIES) and set(k["channel"]) <= set(CHANNELS)
    assert set(k["severity"]) == {1, 2, 3, 4, 5}
    left = k.join(data.customers.set_index("customer_id")["churned_at"], on="customer_id")
    assert not (left["created_at"] >= left["churned_at"]).any()
    assert (k["created_at"] <= pd.Timestamp(NOW).tz_localize(None)).all()


def test_complaint_features_count_as_feature_frame_does():
    customers = pd.DataFrame(
        {"customer_id": [1, 2], "customer_since": pd.to_datetime(["2026-01-15", "2026-10-31"])}
    )
    ago = [1, 30, 31, 89, 90]  # days before NOW; a window excludes its start
    complaints = pd.DataFrame(
        {
            "customer_id": [1] * 5,
            "created_at": [pd.Timestamp(NOW - timedelta(days=d)).tz_localize(None) for d in ago],
            "severity": [5, 4, 1, 4, 5],
        }
    )
    f = ed.complaint_features(customers, complaints, NOW).set_index("customer_id")
    assert f.loc[1, ["complaints_total", "complaints_30d", "complaints_90d"]].tolist() == [5, 1, 4]
    assert f.loc[1, "severe_complaints_90d"] == 3
    assert f.loc[1, ["max_severity_30d", "severity_sum_90d"]].tolist() == [5, 5 + 4 + 1 + 4]
    assert f.loc[2, ["max_severity_30d", "severity_sum_90d"]].tolist() == [0, 0]
    assert f.loc[1, "tenure_months"] == 9 and f.loc[2, "tenure_months"] == 0
    assert f.loc[2, ["complaints_total", "severe_complaints_90d"]].tolist() == [0, 0]
    assert f.loc[1, "days_since_last_complaint"] == 1.0
    assert np.isnan(f.loc[2, "days_since_last_complaint"])


def test_the_oracle_is_the_probability_the_labels_were_drawn_from(data):
    features = ed.complaint_features(data.customers, data.complaints, NOW)
    p = ed.churn_probability(features)
    np.testing.assert_array_equal(p, data.probability)
    labels = data.customers["churned_at"].notna().to_numpy()
    sd = np.sqrt((p * (1 - p)).sum())
    assert abs(labels.sum() - p.sum()) < 4 * sd, "as many churners as the oracle expects"
    assert auc(labels, p) > 0.72
    assert auc(labels, features["complaints_90d"]) > 0.55, "complaints carry signal"


def test_a_complaint_never_lowers_the_true_churn_probability(data):
    features = ed.complaint_features(data.customers, data.complaints, NOW)
    before = ed.churn_probability(features)
    for severe in (0, 1):
        after = features.copy()
        for name in ("complaints_total", "complaints_30d", "complaints_90d"):
            after[name] += 1
        after["severe_complaints_90d"] += severe
        assert (ed.churn_probability(after) > before).all()


def test_the_oracle_names_an_unknown_value():
    features = ed.complaint_features(
        ed.generate(5, seed=0, now=NOW).customers, ed.generate(5, seed=0, now=NOW).complaints, NOW
    )
    features.loc[0, "membership_plan"] = "gold-plus"
    with pytest.raises(ValueError, match=r"unknown values \['gold-plus'\].*'Gold Plus'"):
        ed.churn_probability(features)


def test_the_command_writes_the_three_files(tmp_path):
    out = tmp_path / "fitness"
    args = ["example-data", "--customers", "300", "--seed", "4", "--now", NOW.isoformat()]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert re.match(r"wrote 300 members \(\d+ left in the last 30 days\)", result.output)

    customers = pd.read_csv(out / "customers.csv", keep_default_na=False, na_values=[""])
    assert list(customers.columns) == list(ed.CUSTOMER_COLUMNS)
    lines = (out / "customers.csv").read_text().splitlines()[1:]
    auto_renew = {line.split(",")[ed.CUSTOMER_COLUMNS.index("auto_renew")] for line in lines}
    assert auto_renew == {"true", "false"}, "written as PostgreSQL spells booleans"
    expected = ed.generate(300, seed=4, now=NOW)
    assert customers["satisfaction"].isna().sum() == expected.customers["satisfaction"].isna().sum()
    churned = pd.to_datetime(customers["churned_at"].dropna(), utc=True)
    assert (churned.dt.tz_localize(None) == expected.customers["churned_at"].dropna()).all()
    complaints = pd.read_csv(out / "complaints.csv")
    assert list(complaints.columns) == list(ed.COMPLAINT_COLUMNS)
    assert len(complaints) == len(expected.complaints)

    ddl = (out / "attributes.sql").read_text()
    added = re.findall(r"ADD COLUMN (\w+)", ddl)
    assert added == list(ed.ATTRIBUTES)
    assert "'Gold Plus'" in ddl and "ignored_attribute" in ddl


def test_the_command_help_has_an_example():
    result = CliRunner().invoke(main, ["example-data", "--help"])
    assert result.exit_code == 0 and "pgchurn example-data --customers" in result.output
