"""Training inputs from feature_frame's attributes, and the refusals made before fitting."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pgchurn.train import features, refusals
from pgchurn.train.dataset import load_csv, split_holdout

from pgchurn.cli import main


def frame_with(attributes):
    return pd.DataFrame(
        {
            "customer_id": range(1, len(attributes) + 1),
            "tenure_months": [3] * len(attributes),
            "attributes": [json.dumps(a) for a in attributes],
            "cutoff": ["2026-01-01T00:00:00Z"] * len(attributes),
            "churned": [i % 2 for i in range(len(attributes))],
        }
    )


def test_attributes_become_columns_booleans_as_integers_null_as_missing():
    frame = features.expand_attributes(
        frame_with(
            [
                {"tier": "Gold Plus", "basket": 12.5, "app": True, "visits": 3, "note": None},
                {"tier": None, "basket": None, "app": False, "visits": 4, "note": None},
                {"tier": "silver", "basket": 7, "app": None, "visits": 5, "note": None},
            ]
        )
    )
    assert list(frame.columns) == [
        "customer_id",
        "tenure_months",
        "cutoff",
        "churned",
        "app",
        "basket",
        "note",
        "tier",
        "visits",
    ]
    assert frame["app"].tolist()[:2] == [1, 0] and np.isnan(frame["app"][2])
    assert frame["basket"].tolist()[0] == 12.5 and np.isnan(frame["basket"][1])
    assert frame["visits"].dtype == "int64"
    assert frame["tier"][0] == "Gold Plus" and pd.isna(frame["tier"][1])
    inputs = features.choose_inputs(frame)
    assert inputs.numeric == ["tenure_months", "app", "basket", "visits"]
    assert inputs.categorical == ["tier"]
    assert inputs.all_missing == ["note"], "a column missing in every row is dropped"


def test_exclude_removes_an_input_and_names_a_typo():
    frame = features.expand_attributes(
        frame_with([{"tier": "a", "ref": 1}, {"tier": "b", "ref": 2}])
    )
    inputs = features.choose_inputs(frame, ("ref",))
    assert inputs.names == ["tenure_months", "tier"] and inputs.excluded == ["ref"]
    with pytest.raises(ValueError, match=r"--exclude reff: no such input; the inputs are "):
        features.choose_inputs(frame, ("reff",))


@pytest.mark.parametrize("name", ["tenure_months", "complaints_30d", "churned"])
def test_an_attribute_named_like_a_derived_feature_is_refused(name):
    with pytest.raises(ValueError) as err:
        features.expand_attributes(frame_with([{name: 5}]))
    message = str(err.value)
    assert f"column {name!r}" in message and "RENAME COLUMN" in message and "\n" not in message


def test_csv_with_boolean_and_json_attribute_columns(tmp_path):
    rows = []
    for cutoff in ("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"):
        for i in range(4):
            rows.append(
                {
                    "customer_id": i,
                    "tenure_months": i,
                    "flag": i % 2 == 0,
                    "attributes": json.dumps({"tier": "Gold Plus" if i else "Bronze"}),
                    "cutoff": cutoff,
                    "churned": i % 2,
                }
            )
    path = tmp_path / "t.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    train, test = load_csv(path)
    assert len(train) == 12 and len(test) == 4, "the latest quarter of the cutoffs is held out"
    assert train["flag"].dtype == "int64" and set(train["tier"]) == {"Gold Plus", "Bronze"}
    assert features.choose_inputs(train).categorical == ["tier"]


PLAN = {
    "label_mode": "point-in-time",
    "horizon_days": 90,
    "test_cutoff": "2026-07-01T00:00:00+00:00",
    "train_cutoffs": ["2026-03-03T00:00:00+00:00", "2026-04-02T00:00:00+00:00"],
    "churned_at": {"count": 300, "first": "2026-09-01T10:00:00+00:00", "last": "2026-09-30"},
}


def labelled(n, churners):
    return pd.DataFrame({"churned": [1] * churners + [0] * (n - churners)})


def test_point_in_time_without_churners_at_the_training_cutoffs_names_snapshot():
    with pytest.raises(refusals.TrainingRefused) as err:
        refusals.point_in_time(labelled(1800, 0), labelled(1000, 300), PLAN)
    message = str(err.value)
    assert "\n" not in message and "--snapshot" in message
    assert "training cutoffs" in message and "hold 1800 customers, 0 of whom churned" in message
    assert "the 300 churned_at lie in [2026-09-01 10:00, 2026-09-30 00:00]" in message
    assert "(2026-03-03 00:00, 2026-04-02 00:00)" in message


def test_point_in_time_with_an_empty_holdout_is_refused():
    with pytest.raises(refusals.TrainingRefused, match=r"holdout cutoff .* hold 0 customers"):
        refusals.point_in_time(labelled(100, 10), labelled(0, 0), PLAN)


def test_snapshot_with_a_single_churner_is_refused_with_the_period():
    plan = {
        "period_days": 30,
        "period_start": "2026-09-01",
        "reference": "2026-10-01",
        "churned_at": {"count": 1, "first": "2026-09-05", "last": "2026-09-05"},
    }
    with pytest.raises(refusals.TrainingRefused, match=r"of 500 customers .* 1 churned in the 30"):
        refusals.snapshot(labelled(500, 1), plan)


def test_too_few_holdout_churners_says_how_many_and_what_to_do():
    refusals.holdout_churners(labelled(400, 50), 50, {"label_mode": "snapshot"})
    with pytest.raises(refusals.TrainingRefused) as err:
        refusals.holdout_churners(labelled(400, 22), 50, {"label_mode": "snapshot"})
    message = str(err.value)
    assert "holds 22 churners among 400 rows" in message and "--min-holdout-churners 50" in message
    assert "--period-days" in message and "\n" not in message


def test_snapshot_holdout_is_a_stratified_seeded_quarter():
    frame = labelled(400, 80).assign(x=range(400))
    train, test = split_holdout(frame)
    assert len(test) == 100 and int(test["churned"].sum()) == 20, "stratified: 25% of each class"
    again = split_holdout(frame)[1]
    assert list(again["x"]) == list(test["x"]), "seeded"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--snapshot", "--csv", "{csv}"], "--snapshot reads the database"),
        (["--snapshot", "--horizon-days", "30"], "--horizon-days: point-in-time options"),
        (["--period-days", "7"], "--period-days applies to --snapshot only"),
    ],
)
def test_options_of_another_label_mode_are_refused(tmp_path, args, says):
    csv = tmp_path / "x.csv"
    csv.write_text("cutoff,churned\n")
    result = CliRunner().invoke(main, ["train", *[a.format(csv=csv) for a in args]])
    assert result.exit_code == 1 and says in result.output, result.output
