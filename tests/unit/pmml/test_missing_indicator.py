"""isMissing: the indicator column a OneHotEncoder adds for a missing category.

A OneHotEncoder fitted on a column with missing values learns a "missing" category, which
sklearn2pmml writes as a DerivedField `isMissing(field)`. Scores must equal scikit-learn's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pgchurn.plpython.pmml import compile_pmml
from pgchurn.train.export import export_pmml
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn2pmml.pipeline import PMMLPipeline


def test_a_missing_category_scores_like_scikit_learn(tmp_path):
    rng = np.random.default_rng(5)
    n = 400
    region = rng.choice(np.array(["North Hill", "South", None], dtype=object), n)
    frame = pd.DataFrame({"visits": rng.poisson(3.0, n).astype(float), "region": region})
    y = (rng.random(n) < np.where(frame["region"].isna(), 0.7, 0.3)).astype(int)
    columns = ColumnTransformer(
        [
            ("numeric", StandardScaler(), ["visits"]),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), ["region"]),
        ]
    )
    pipeline = PMMLPipeline([("columns", columns), ("classifier", LogisticRegression())])
    pipeline.fit(frame, y)
    pmml = export_pmml(pipeline, frame.head(40), tmp_path / "missing.pmml")
    assert 'function="isMissing"' in pmml
    model = compile_pmml(pmml)
    probe = pd.DataFrame(
        {"visits": [0.0, 3.0, 9.0, 2.0], "region": ["North Hill", None, "South", "Unseen"]}
    )
    expected = pipeline.predict_proba(probe)[:, 1]
    got = [model.score({"visits": v, "region": r}) for v, r in probe.itertuples(index=False)]
    assert np.allclose(got, expected, rtol=0, atol=1e-12), (got, expected)
    # the missing row's indicator moved its score: the test exercises the indicator
    assert abs(got[1] - got[0]) > 1e-3
