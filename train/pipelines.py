"""The scikit-learn pipelines pgchurn trains, built so that sklearn2pmml can export them.

Every pipeline is a `PMMLPipeline` of a `ColumnTransformer` and one classifier:

- numeric columns: `StandardScaler` (with a median `SimpleImputer` in front when `impute`);
- categorical columns: `OneHotEncoder(handle_unknown="ignore")` (with a most-frequent
  `SimpleImputer` in front when `impute`), except for `hgb-categorical`, which feeds the
  categories to `HistGradientBoostingClassifier` natively through an `OrdinalEncoder`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn2pmml.decoration import CategoricalDomain
from sklearn2pmml.pipeline import PMMLPipeline

KINDS = ("logistic", "tree", "forest", "gbdt", "hgb", "hgb-categorical")


def _numeric_steps(impute: bool) -> Any:
    if not impute:
        return StandardScaler()
    return Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])


def _onehot_steps(impute: bool) -> Any:
    onehot = OneHotEncoder(handle_unknown="ignore")
    if not impute:
        return onehot
    imputer = SimpleImputer(strategy="most_frequent")
    return Pipeline([("impute", imputer), ("onehot", onehot)])


def _ordinal_steps(impute: bool) -> Any:
    # Unknown and missing categories both become NaN, which the classifier treats as missing.
    # (Encoding them as -1 instead makes sklearn2pmml 0.133.1 misalign the category bitsets.)
    # The domain makes the PMML say so too: an unseen category is a missing value
    # (invalidValueTreatment="asMissing"), not a category that matches no split.
    domain = CategoricalDomain(invalid_value_treatment="as_missing", with_statistics=False)
    ordinal = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
    steps = [("domain", domain), ("ordinal", ordinal)]
    if impute:
        steps.insert(1, ("impute", SimpleImputer(strategy="most_frequent")))
    return Pipeline(steps)


def _classifier(kind: str, random_state: int, n_categorical: int, n_numeric: int) -> Any:
    makers: dict[str, Callable[[], Any]] = {
        "logistic": lambda: LogisticRegression(max_iter=2000),
        "tree": lambda: DecisionTreeClassifier(
            max_depth=8, min_samples_leaf=5, random_state=random_state
        ),
        "forest": lambda: RandomForestClassifier(
            n_estimators=50, max_depth=8, random_state=random_state, n_jobs=1
        ),
        "gbdt": lambda: GradientBoostingClassifier(
            n_estimators=100, max_depth=3, random_state=random_state
        ),
        "hgb": lambda: HistGradientBoostingClassifier(max_iter=100, random_state=random_state),
        "hgb-categorical": lambda: HistGradientBoostingClassifier(
            max_iter=100,
            random_state=random_state,
            categorical_features=[False] * n_numeric + [True] * n_categorical,
        ),
    }
    if kind not in makers:
        raise ValueError(f"unknown pipeline kind {kind!r}; choose one of {', '.join(KINDS)}")
    return makers[kind]()


def build_pipeline(
    kind: str,
    *,
    numeric: list[str],
    categorical: list[str],
    impute: bool = False,
    random_state: int = 0,
) -> PMMLPipeline:
    """Build an unfitted pipeline of the given kind.

    Args:
        kind: one of `logistic`, `tree`, `forest` (50 trees, depth 8), `gbdt` (100 trees,
            depth 3), `hgb`, `hgb-categorical` (native categorical splits).
        numeric: numeric input columns, scaled by `StandardScaler`.
        categorical: string input columns, one-hot encoded (ordinal for `hgb-categorical`).
        impute: put a `SimpleImputer` in front of both column groups.
        random_state: seed of the estimator.

    Returns:
        A `PMMLPipeline`; fit it with a DataFrame whose label column is named `churned`.

    Raises:
        ValueError: for an unknown kind.

    """
    classifier = _classifier(kind, random_state, len(categorical), len(numeric))
    cats = _ordinal_steps(impute) if kind == "hgb-categorical" else _onehot_steps(impute)
    columns = ColumnTransformer(
        [("numeric", _numeric_steps(impute), numeric), ("categorical", cats, categorical)]
    )
    return PMMLPipeline([("columns", columns), ("classifier", classifier)])
