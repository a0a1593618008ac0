"""The demo data generator, without a database: determinism, ranges and the churn mechanism."""

from datetime import UTC, datetime, timedelta

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from pgchurn import seed

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
N = 6000


def spec(**kw):
    return seed.SeedSpec(**{"customers": N, "seed": 11, "now": NOW, **kw})


def chunk_of(s):
    chunks = list(seed.generate(s))
    return seed.Chunk(
        pd.concat([c.customers for c in chunks], ignore_index=True),
        pd.concat([c.complaints for c in chunks], ignore_index=True),
    )


@pytest.fixture(scope="module")
def base():
    return chunk_of(spec())


@pytest.fixture(scope="module")
def shifted():
    return chunk_of(spec(population=seed.SHIFTED))


@pytest.fixture(scope="module")
def joined(base):
    """Complaints with their customer's dates."""
    cols = ["customer_id", "customer_since", "churned_at"]
    return base.complaints.merge(base.customers[cols], on="customer_id")


def churned(frame):
    return frame["churned_at"].notna()


# ---------------------------------------------------------------------------- determinism
def test_same_seed_gives_byte_identical_copy_text(base):
    again = chunk_of(spec())
    pd.testing.assert_frame_equal(base.customers, again.customers)
    pd.testing.assert_frame_equal(base.complaints, again.complaints)
    assert seed.copy_text(base.customers) == seed.copy_text(again.customers)
    assert seed.copy_text(base.complaints) == seed.copy_text(again.complaints)


def test_another_seed_gives_other_rows(base):
    other = chunk_of(spec(seed=12))
    assert not base.customers["monthly_charges"].equals(other.customers["monthly_charges"])


def test_chunks_are_independent_and_ids_continue():
    s = spec(customers=2500, chunk_size=1000)
    chunks = list(seed.generate(s))
    assert [len(c.customers) for c in chunks] == [1000, 1000, 500]
    ids = np.concatenate([c.customers["customer_id"].to_numpy() for c in chunks])
    assert (ids == np.arange(1, 2501)).all()
    pd.testing.assert_frame_equal(seed.generate_chunk(s, 2).customers, chunks[2].customers)


def test_first_id_shifts_ids_only():
    a = seed.generate_chunk(spec(customers=500), 0)
    b = seed.generate_chunk(spec(customers=500, first_id=1001), 0)
    assert (b.customers["customer_id"] - a.customers["customer_id"] == 1000).all()
    pd.testing.assert_frame_equal(
        a.customers.drop(columns="customer_id"), b.customers.drop(columns="customer_id")
    )


# ---------------------------------------------------------------------------- schema fit
def test_frames_have_exactly_the_table_columns(base):
    assert tuple(base.customers.columns) == seed.PROFILE_COLUMNS
    assert tuple(base.complaints.columns) == seed.COMPLAINT_COLUMNS


@pytest.mark.parametrize(
    ("column", "allowed"),
    [
        ("contract_type", seed.CONTRACTS),
        ("payment_method", seed.PAYMENTS),
        ("internet_service", seed.INTERNET),
    ],
)
def test_profile_categories_are_the_check_constraint_values(base, column, allowed):
    values = set(base.customers[column].astype(str))
    assert values == set(allowed)


def test_complaint_values_fit_the_check_constraints(base):
    k = base.complaints
    assert set(k["category"].astype(str)) == set(seed.CATEGORIES)
    assert set(k["channel"].astype(str)) == set(seed.CHANNELS)
    assert k["severity"].between(1, 5).all()
    assert set(k["severity"]) == {1, 2, 3, 4, 5}


def tenure(c: pd.DataFrame) -> pd.Series:
    """Whole months from customer_since to churn or NOW, as the generator and age() count them."""
    from pgchurn.seed.generator import whole_months

    since = c["customer_since"].to_numpy().astype("datetime64[s]").astype(np.int64)
    end = c["churned_at"].fillna(pd.Timestamp(NOW.replace(tzinfo=None)))
    end_s = end.to_numpy().astype("datetime64[s]").astype(np.int64)
    return pd.Series(whole_months(since, end_s), index=c.index)


def test_the_profile_has_no_tenure_column(base):
    # tenure is derived from customer_since (the feature tenure_months); a column would be a decoy
    assert "tenure_months" not in base.customers.columns


def test_numbers_are_in_sane_ranges(base):
    c = base.customers
    assert c["monthly_charges"].between(15, 150).all()
    assert tenure(c).between(0, seed.HISTORY_MONTHS).all()
    assert (c["total_charges"].dropna() > 0).all()
    assert (c["phone_service"] | (c["internet_service"] != "none")).all()
    assert not (c["multiple_lines"] & ~c["phone_service"]).any()
    assert not ((c["internet_service"] == "none") & (c["tech_support"] | c["streaming_tv"])).any()


def test_total_charges_is_null_exactly_for_customers_not_yet_billed(base):
    c = base.customers
    assert (c["total_charges"].isna() == (tenure(c) == 0)).all()
    assert (tenure(c) == 0).any()


def test_tenure_counts_calendar_months_to_churn_or_now(base):
    c = base.customers
    end = c["churned_at"].fillna(pd.Timestamp(NOW.replace(tzinfo=None)))
    approx = (end - c["customer_since"]).dt.days / 30.4375
    assert ((approx - tenure(c)).abs() < 1.1).all()


def test_whole_months_counts_like_postgres_age():
    start = np.array(["2024-01-31", "2024-01-31", "2024-01-15"], dtype="datetime64[s]")
    end = np.array(["2024-02-29T23:00", "2024-03-31", "2024-02-14T23:59:59"], dtype="datetime64[s]")
    months = seed.whole_months(start.astype(np.int64), end.astype(np.int64))
    assert months.tolist() == [0, 2, 0]


# ---------------------------------------------------------------------------- time line
def test_no_complaint_before_customer_since_or_after_now(joined):
    assert (joined["created_at"] >= joined["customer_since"]).all()
    assert (joined["created_at"] <= pd.Timestamp(NOW.replace(tzinfo=None))).all()


def test_churn_lies_between_sign_up_and_now(base):
    c = base.customers[churned(base.customers)]
    assert (c["churned_at"] > c["customer_since"]).all()
    assert (c["churned_at"] <= pd.Timestamp(NOW.replace(tzinfo=None))).all()


def test_some_churned_customers_complain_after_churn_and_only_about_billing(joined, base):
    after = joined[joined["created_at"] > joined["churned_at"]]
    assert after["customer_id"].nunique() > 0.1 * churned(base.customers).sum()
    assert set(after["category"].astype(str)) == {"billing"}
    assert after["description"].notna().all()
    before = joined[joined["created_at"] <= joined["churned_at"]]
    assert before["description"].isna().all(), "only final-bill disputes follow churn"


def test_complaints_are_in_customer_then_time_order(base):
    k = base.complaints
    ordered = k.sort_values(["customer_id", "created_at"], kind="stable")
    assert (ordered.index == k.index).all()


# ---------------------------------------------------------------------------- distributions
def test_overall_churn_rate_is_plausible(base):
    assert 0.15 < churned(base.customers).mean() < 0.35


def test_month_to_month_churns_far_more_than_two_year(base):
    rate = churned(base.customers).groupby(base.customers["contract_type"], observed=True).mean()
    assert rate["month-to-month"] > rate["one-year"] > rate["two-year"]
    assert rate["month-to-month"] > 3 * rate["two-year"]


def test_two_year_customers_have_longer_tenure(base):
    c = base.customers[~churned(base.customers)]
    months = tenure(c).groupby(c["contract_type"], observed=True).mean()
    assert months["two-year"] > months["month-to-month"] + 10


def test_fiber_optic_raises_charges(base):
    charges = base.customers.groupby("internet_service", observed=True)["monthly_charges"].mean()
    assert charges["fiber-optic"] > charges["dsl"] + 20 > charges["none"] + 40


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("payment_method", "electronic-check"),
        ("tech_support", False),
        ("online_security", False),
    ],
)
def test_risk_factors_raise_churn(base, column, value):
    c = base.customers
    risky = c[column] == value
    assert churned(c)[risky].mean() > churned(c)[~risky].mean()


def test_recent_complaints_precede_churn(joined, base):
    """Churners complained in the month before leaving far more often than stayers did lately."""
    end = joined["churned_at"].fillna(pd.Timestamp(NOW.replace(tzinfo=None)))
    recent = joined[(joined["created_at"] < end) & (joined["created_at"] >= end - timedelta(30))]
    flagged = base.customers["customer_id"].isin(recent["customer_id"])
    by_outcome = flagged.groupby(churned(base.customers)).mean()
    assert by_outcome[True] > 2.5 * by_outcome[False]


@pytest.mark.parametrize("mean", [0.5, 2.0, 4.0])
def test_complaints_average_the_requested_mean(mean):
    c = seed.generate_chunk(spec(complaints_per_customer=mean), 0)
    assert len(c.complaints) / N == pytest.approx(mean, rel=0.08)


def test_zero_complaints_means_none_at_all():
    c = seed.generate_chunk(spec(complaints_per_customer=0.0), 0)
    assert c.complaints.empty


def test_unhappy_customers_complain_more(base):
    c = base.customers.set_index("customer_id")
    counts = base.complaints.groupby("customer_id").size().reindex(c.index, fill_value=0)
    per_churn = counts.groupby(churned(c)).mean()
    assert per_churn[True] > per_churn[False]


def test_shifted_population_has_more_fiber_month_to_month_and_higher_charges(base, shifted):
    def share(frame, column, value):
        return (frame.customers[column] == value).mean()

    assert (
        share(shifted, "internet_service", "fiber-optic")
        > share(base, "internet_service", "fiber-optic") + 0.1
    )
    assert (
        share(shifted, "contract_type", "month-to-month")
        > share(base, "contract_type", "month-to-month") + 0.1
    )
    assert (
        shifted.customers["monthly_charges"].mean() > base.customers["monthly_charges"].mean() + 5
    )
    assert churned(shifted.customers).mean() > churned(base.customers).mean()


def test_log_hazard_orders_contracts_for_otherwise_equal_customers(base):
    row = base.customers.iloc[[0, 0, 0]].copy()
    row["contract_type"] = pd.Categorical(list(seed.CONTRACTS), categories=list(seed.CONTRACTS))
    h = seed.log_hazard(row)
    assert h[0] > h[1] > h[2]


def test_complaint_push_grows_with_severity_and_shrinks_with_lock_in():
    push = seed.complaint_push(np.array([1, 3, 5, 5]), np.array([0, 0, 0, 2]))
    assert push[0] < push[1] < push[2]
    assert push[3] < push[2]


# ---------------------------------------------------------------------------- COPY text
def test_copy_text_writes_nulls_dates_and_utc_times():
    frame = seed.generate_chunk(spec(customers=300), 0).customers
    lines = seed.copy_text(frame, dates=("customer_since",)).splitlines()
    assert len(lines) == 300
    fields = [line.split("\t") for line in lines]
    assert all(len(f) == len(seed.PROFILE_COLUMNS) for f in fields)
    since = seed.PROFILE_COLUMNS.index("customer_since")
    churned_at = seed.PROFILE_COLUMNS.index("churned_at")
    assert all(len(f[since]) == 10 for f in fields)
    assert {f[churned_at] for f in fields if not f[churned_at].endswith("Z")} == {r"\N"}
    assert {f[seed.PROFILE_COLUMNS.index("senior_citizen")] for f in fields} == {"t", "f"}


def test_copy_text_of_nothing_is_empty():
    assert seed.copy_text(seed.generate_chunk(spec(complaints_per_customer=0), 0).complaints) == ""


# ---------------------------------------------------------------------------- command line
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026-11-01T00:00:00Z", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01 02:00:00.75+02:00", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
    ],
)
def test_now_is_parsed_as_utc_whole_seconds(given, expected):
    assert seed.parse_now(None, None, given) == expected


def test_bad_now_is_a_usage_error():
    with pytest.raises(click.BadParameter, match="ISO 8601"):
        seed.parse_now(None, None, "yesterday")


def test_help_has_examples():
    result = CliRunner().invoke(seed.seed_command, ["--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "--population" in result.output
    assert "\\b" not in result.output


def test_replace_and_append_together_are_refused():
    result = CliRunner().invoke(seed.seed_command, ["--replace", "--append"])
    assert result.exit_code == 2
    assert "exclude each other" in result.output


def test_naive_reference_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        seed.SeedSpec(customers=1, now=datetime(2026, 11, 1))
