"""Explanations measured from the training data, against oracles built from scikit-learn.

Each model is trained here on a few hundred rows with one-hot categoricals, exported with
sklearn2pmml, and given node weights and term means by `pgchurn train`'s own step
(`add_training_weights`). The oracles never read our output:

* the base value is the mean of scikit-learn's margin over the training rows;
* trees: Saabas path attribution computed independently over scikit-learn's `tree_` arrays,
  with node weights from the training rows (`decision_path`), one-hot columns summed back to
  their field;
* linear: coefficient * (x - training mean of x), by hand from the fitted model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pgchurn.plpython.pmml import compile_pmml
from pgchurn.plpython.pmml.build import build
from pgchurn.train.export import add_training_weights, export_pmml, records
from pgchurn.train.pipelines import build_pipeline
from sklearn.ensemble import GradientBoostingClassifier

from tests import datasets
from tests.trained import CATEGORICAL, INPUTS, NUMERIC

TRAIN_ROWS, EXPLAIN_ROWS = 600, 200
SKLEARN_GBDT = "sklearn-gbdt"  # scikit-learn's GradientBoostingClassifier, 100 trees of depth 3
KINDS = (SKLEARN_GBDT, "gbdt", "hgb", "logistic", "forest")


class Case:
    """A pipeline trained here, its document before and after adding the weights."""

    def __init__(self, kind: str, out: Path) -> None:
        self.kind = kind
        self.train = datasets.fill_missing(datasets.telecom_churn(TRAIN_ROWS, 3))
        self.rows = datasets.fill_missing(datasets.telecom_churn(EXPLAIN_ROWS, 8))[INPUTS]
        self.pipeline = build_pipeline(
            "logistic" if kind == SKLEARN_GBDT else kind, numeric=NUMERIC, categorical=CATEGORICAL
        )
        if kind == SKLEARN_GBDT:  # `pgchurn train`'s gbdt is HistGradientBoosting (monotone)
            boosting = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0)
            self.pipeline.steps[-1] = ("classifier", boosting)
        self.pipeline.fit(self.train[INPUTS], self.train[datasets.TARGET])
        path = out / f"{kind}.pmml"
        self.plain = export_pmml(self.pipeline, self.train[INPUTS].head(50), path)
        self.pmml, _ = add_training_weights(self.plain, self.train[INPUTS], path)
        self.model = compile_pmml(self.pmml)

    @property
    def estimator(self) -> Any:
        return self.pipeline.named_steps["classifier"]

    def columns(self, frame: pd.DataFrame) -> np.ndarray:
        """The estimator's input matrix (dense)."""
        x = self.pipeline.named_steps["columns"].transform(frame[INPUTS])
        return np.asarray(x.todense() if hasattr(x, "todense") else x, dtype=np.float64)

    def fields(self) -> list[str]:
        """The input field of each column: numeric ones, then each one-hot category."""
        encoder = self.pipeline.named_steps["columns"].named_transformers_["categorical"]
        onehot = [f for f, cats in zip(CATEGORICAL, encoder.categories_, strict=True) for _ in cats]
        return list(NUMERIC) + onehot

    def margin(self, frame: pd.DataFrame) -> np.ndarray:
        """scikit-learn's margin: the log-odds, or the probability for a forest."""
        if self.kind == "forest":
            return self.pipeline.predict_proba(frame[INPUTS])[:, 1]  # type: ignore[no-any-return]
        return self.pipeline.decision_function(frame[INPUTS])  # type: ignore[no-any-return]

    def ours(self) -> tuple[float, list[dict[str, float]]]:
        explained = [self.model.explain(r) for r in records(self.rows)]
        return explained[0][0], [dict(c) for _, c, _ in explained]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    out = tmp_path_factory.mktemp("reasons")
    return {k: Case(k, out) for k in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_base_value_is_the_mean_training_margin(cases, kind):
    case = cases[kind]
    base, _ = case.ours()
    assert base == pytest.approx(float(np.mean(case.margin(case.train))), abs=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_weights_change_no_score_and_verification_still_passes(cases, kind):
    case = cases[kind]
    before = compile_pmml(case.plain)
    assert case.model.verify() == []
    rows = records(case.rows)
    assert [case.model.score(r) for r in rows] == [before.score(r) for r in rows]
    assert build(case.plain).reference == ("unweighted" if kind != "forest" else "training")
    assert build(case.pmml).reference == "training"


def _tree_saabas(
    trees: list[tuple[Any, float, Any]], x: np.ndarray, x_train: np.ndarray, fields: list[str]
) -> tuple[float, list[dict[str, float]]]:
    """Saabas over scikit-learn's arrays: (tree, scale, leaf value function) per tree."""
    base = 0.0
    out: list[dict[str, float]] = [{} for _ in range(len(x))]
    for tree, scale, values in trees:
        t = tree.tree_
        leaf_value = values(t)
        reached = tree.decision_path(x_train)  # rows x nodes
        counts = np.asarray(reached.sum(axis=0)).ravel()
        totals = reached.T @ leaf_value[tree.apply(x_train)]
        expected = totals / counts
        base += scale * expected[0]
        paths = tree.decision_path(x)
        for row in range(len(x)):
            nodes = sorted(paths.indices[paths.indptr[row] : paths.indptr[row + 1]])
            for parent, child in zip(nodes, nodes[1:], strict=False):
                field = fields[t.feature[parent]]
                step = scale * (expected[child] - expected[parent])
                out[row][field] = out[row].get(field, 0.0) + step
    return base, out


def _compare(ours: list[dict[str, float]], oracle: list[dict[str, float]]) -> float:
    worst = 0.0
    for mine, theirs in zip(ours, oracle, strict=True):
        for field in set(mine) | set(theirs):
            worst = max(worst, abs(mine.get(field, 0.0) - theirs.get(field, 0.0)))
    return worst


def test_gbdt_reasons_equal_saabas_over_sklearn_trees(cases):
    case = cases[SKLEARN_GBDT]
    gbdt = case.estimator
    x, x_train = case.columns(case.rows), case.columns(case.train)
    trees = [(t[0], gbdt.learning_rate, lambda a: a.value[:, 0, 0]) for t in gbdt.estimators_]
    base, oracle = _tree_saabas(trees, x, x_train, case.fields())
    first = x[:1]
    init = gbdt.decision_function(first)[0] - sum(s * t.predict(first)[0] for t, s, _ in trees)
    ours_base, ours = case.ours()
    assert ours_base == pytest.approx(base + init, abs=1e-9)
    assert _compare(ours, oracle) < 1e-6


def test_forest_reasons_equal_saabas_over_sklearn_trees(cases):
    case = cases["forest"]
    forest = case.estimator
    x, x_train = case.columns(case.rows), case.columns(case.train)

    def positive(t: Any) -> np.ndarray:
        v = t.value[:, 0, :]
        return v[:, 1] / v.sum(axis=1)  # type: ignore[no-any-return]

    trees = [(t, 1.0 / len(forest.estimators_), positive) for t in forest.estimators_]
    base, oracle = _tree_saabas(trees, x, x_train, case.fields())
    ours_base, ours = case.ours()
    assert ours_base == pytest.approx(base, abs=1e-9)
    assert _compare(ours, oracle) < 1e-6


def test_linear_reasons_are_coefficient_times_distance_from_the_training_mean(cases):
    case = cases["logistic"]
    lr = case.estimator
    x, means = case.columns(case.rows), case.columns(case.train).mean(axis=0)
    terms = (x - means) * lr.coef_.ravel()
    oracle: list[dict[str, float]] = []
    for row in terms:
        by_field: dict[str, float] = {}
        for field, value in zip(case.fields(), row, strict=True):
            by_field[field] = by_field.get(field, 0.0) + value
        oracle.append(by_field)
    ours_base, ours = case.ours()
    assert ours_base == pytest.approx(lr.intercept_[0] + means @ lr.coef_.ravel(), abs=1e-9)
    assert _compare(ours, oracle) < 1e-9
