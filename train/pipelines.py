"""The scikit-learn pipelines pgchurn trains, built so that sklearn2pmml can export them.

Every pipeline is a `PMMLPipeline` of a `ColumnTransformer` and one classifier:

- numeric columns: `StandardScaler` (with a median `SimpleImputer` in front when `impute`);
- categorical columns: `OneHotEncoder(handle_unknown="ignore")` (with a most-frequent
  `SimpleImputer` in front when `impute`), except for `hgb-categorical`, which feeds the
  categories to `HistGradientBoostingClassifier` natively through an `OrdinalEncoder`.

`fit` fits one under the complaint features' directions (`features.COMPLAINT_DIRECTION`):
tree kinds with scikit-learn's `monotonic_cst`, logistic with its complaint coefficients
signed, so that a new complaint never lowers a score. `gbdt` is a
`HistGradientBoostingClassifier` of 100 trees of depth 3, because `GradientBoostingClassifier`
has no `monotonic_cst`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn2pmml.decoration import CategoricalDomain
from sklearn2pmml.pipeline import PMMLPipeline

from .features import COMPLAINT_DIRECTION

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
        # GradientBoostingClassifier's shape (100 trees of depth 3, learning rate 0.1, every
        # row), but it takes monotonic_cst; early stopping would hold out 10% of the rows.
        "gbdt": lambda: HistGradientBoostingClassifier(
            max_iter=100, max_depth=3, early_stopping=False, random_state=random_state
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
        kind: one of `logistic`, `tree`, `forest` (50 trees, depth 8), `gbdt` (100
            histogram-boosted trees of depth 3), `hgb`, `hgb-categorical` (native categorical
            splits).
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


def fit(
    pipeline: PMMLPipeline,
    frame: Any,
    label: Any,
    *,
    directions: Mapping[str, int] = COMPLAINT_DIRECTION,
) -> PMMLPipeline:
    """Fit `pipeline` so that its score moves with each named numeric input as `directions` says.

    +1: the score never falls when the input rises; -1: it never rises. Tree kinds get
    scikit-learn's `monotonic_cst` (the scaler keeps the order, and the imputer leaves no
    missing value for a tree to route). A logistic regression is refitted with every
    coefficient of the wrong sign held at 0, until none is left.

    Returns:
        The fitted pipeline; `constraints(pipeline)` says which inputs were constrained.

    """
    columns, classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
    numeric = list(columns.transformers[0][2])
    wanted = [directions.get(name, 0) for name in numeric]
    if hasattr(classifier, "monotonic_cst") and any(wanted):
        width = columns.fit_transform(frame, label).shape[1]
        classifier.set_params(monotonic_cst=wanted + [0] * (width - len(numeric)))
    pipeline.fit(frame, label)
    if isinstance(classifier, LogisticRegression) and any(wanted):
        _sign_coefficients(pipeline, frame, label, wanted)
    return pipeline


def _sign_coefficients(pipeline: PMMLPipeline, frame: Any, label: Any, wanted: list[int]) -> None:
    """Refit the logistic step with wrong-signed coefficients held at 0 (columns zeroed)."""
    columns, classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
    x = columns.transform(frame)
    x = np.array(x.todense() if hasattr(x, "todense") else x, dtype=float)
    held: set[int] = set()
    while True:
        wrong = {i for i, d in enumerate(wanted) if d * classifier.coef_[0, i] < 0} - held
        if not wrong:
            break
        held |= wrong
        x[:, sorted(held)] = 0.0
        classifier.fit(x, np.asarray(label))
    classifier.coef_[0, sorted(held)] = 0.0


def constraints(pipeline: PMMLPipeline) -> dict[str, int]:
    """The direction each numeric input of a fitted pipeline is held to (constrained ones only).

    For a logistic regression, the direction its coefficient's sign gives (0 when held at 0).
    """
    columns, classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
    numeric = list(columns.transformers[0][2])
    cst = getattr(classifier, "monotonic_cst", None)
    if cst is not None:
        return {n: int(d) for n, d in zip(numeric, cst, strict=False) if d}
    if isinstance(classifier, LogisticRegression):
        signs = np.sign(classifier.coef_[0, : len(numeric)])
        return {n: int(s) for n, s in zip(numeric, signs, strict=True) if n in COMPLAINT_DIRECTION}
    return {}
