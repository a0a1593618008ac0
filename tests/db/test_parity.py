"""churn.predict inside PostgreSQL equals scikit-learn's predict_proba, row for row.

Every pipeline is trained in the test, on the demo data that `pgchurn seed` loads (features
read back through churn.feature_frame) and on a second dataset with missing values and
categories unseen in training. Nothing is hard-coded: the reference is scikit-learn.
"""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from pgchurn.train.export import export_pmml
from pgchurn.train.features import expand_attributes
from pgchurn.train.pipelines import build_pipeline

from pgchurn.seed import SeedSpec, seed_database
from tests import datasets
from tests.db.helpers import register
from tests.trained import CATEGORICAL, INPUTS, NUMERIC

pytestmark = pytest.mark.demo_profile

KINDS = ["logistic", "tree", "forest", "gbdt", "hgb", "hgb-categorical"]
ROWS = 1000
TOLERANCE = 1e-9
PARITY = []  # (dataset, kind, rows, max abs diff), printed at the end of the module


def predict_in_db(cur, model_id, frame):
    """Score each row with churn.predict, sending NaN as JSON null (a missing value)."""
    records = frame[INPUTS].astype(object).where(frame[INPUTS].notna(), None).to_dict("records")
    cur.execute(
        "SELECT churn.predict(f, %s) FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(f, i)"
        " ORDER BY i",
        (model_id, pd.Series(records).to_json(orient="values")),
    )
    return np.array([r[0] for r in cur.fetchall()], dtype=float)


def predict_many_in_db(cur, model_id, frame):
    """Score all rows in one churn.predict_many call, as churn.features rows built from the
    frame's columns (NaN becomes NULL): the derived features and, in attributes, the rest."""
    cur.execute(
        "SELECT churn.predict_many(array_agg(jsonb_populate_record(NULL::churn.features,"
        " f || jsonb_build_object('attributes', f)) ORDER BY i), %s) FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(f, i)",
        (model_id, frame.to_json(orient="records")),
    )
    return np.array(cur.fetchone()[0], dtype=float)


def check(cur, dataset, kind, pipeline, pmml, frame):
    model_id = register(cur, pmml, f"{dataset}-{kind}")
    expected = pipeline.predict_proba(frame[INPUTS])[:, 1]
    got = predict_in_db(cur, model_id, frame)
    diff = float(np.max(np.abs(got - expected)))
    PARITY.append((dataset, kind, len(frame), diff))
    assert len(frame) >= ROWS
    assert diff <= TOLERANCE, f"{dataset}/{kind}: max abs diff {diff:g}"
    return model_id, expected, got


@pytest.fixture(scope="module")
def demo_frame(pg_cluster):
    """Seed 4,000 demo customers once and read their features as of the seed's 'now'."""
    import psycopg2

    from tests.conftest import SUPERUSER, url_for

    url = url_for("127.0.0.1", pg_cluster.port, SUPERUSER, "pgchurn_test_tmpl")
    now = datetime(2026, 6, 1, tzinfo=UTC)
    # seed a scratch copy of the template, read features, drop it
    admin = psycopg2.connect(url_for("127.0.0.1", pg_cluster.port, SUPERUSER, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS pgchurn_parity_seed")
        cur.execute("CREATE DATABASE pgchurn_parity_seed TEMPLATE pgchurn_test_tmpl")
    scratch = url_for("127.0.0.1", pg_cluster.port, SUPERUSER, "pgchurn_parity_seed")
    seed_database(scratch, SeedSpec(customers=4000, seed=7, now=now))
    with psycopg2.connect(scratch) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT f.*, (p.churned_at IS NOT NULL)::int AS churned"
            " FROM churn.feature_frame(%s) f JOIN churn.customer_profile p USING (customer_id)",
            (now,),
        )
        names = [d[0] for d in cur.description]
        frame = expand_attributes(pd.DataFrame(cur.fetchall(), columns=names))
    conn.close()
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE pgchurn_parity_seed")
    admin.close()
    del url
    return frame


@pytest.mark.parametrize("kind", KINDS)
def test_parity_on_demo_data(conn, demo_frame, tmp_path, kind):
    train, score = demo_frame.iloc[:2500], demo_frame.iloc[2500:]
    pipeline = build_pipeline(kind, numeric=NUMERIC, categorical=CATEGORICAL, impute=True)
    pipeline.fit(train[INPUTS], train["churned"])
    pmml = export_pmml(pipeline, train[INPUTS].sample(100, random_state=0), tmp_path / "m.pmml")
    with conn.cursor() as cur:
        model_id, expected, one_by_one = check(
            cur, "demo", kind, pipeline, pmml, score.reset_index(drop=True)
        )
        batch = predict_many_in_db(cur, model_id, score.drop(columns="churned"))
    diff = float(np.max(np.abs(batch - expected)))
    PARITY.append(("demo, predict_many", kind, len(batch), diff))
    assert diff <= TOLERANCE, f"predict_many/{kind}: max abs diff {diff:g}"
    assert np.array_equal(batch, one_by_one)  # the same runtime, whichever entry point


@pytest.mark.parametrize("kind", KINDS)
def test_parity_with_missing_values_and_unseen_categories(conn, trained, kind):
    model = trained(kind, impute=True)
    frame = datasets.messy_churn(1200, seed=11, unseen=True)
    assert frame[CATEGORICAL].isin(list(datasets.UNSEEN.values())).any().all()
    with conn.cursor() as cur:
        check(cur, "missing+unseen", kind, model.pipeline, model.pmml, frame)


@pytest.mark.parametrize("kind", KINDS)
def test_parity_without_imputer(conn, trained, kind):
    model = trained(kind, impute=False)
    frame = datasets.fill_missing(datasets.telecom_churn(1200, seed=12))
    with conn.cursor() as cur:
        check(cur, "clean, no imputer", kind, model.pipeline, model.pmml, frame)


def test_print_parity_table():
    """Not a check: prints the table gathered above (run with -s to see it)."""
    print("\n| dataset | model | rows | max abs diff |\n|---|---|---|---|")
    for dataset, kind, rows, diff in PARITY:
        print(f"| {dataset} | {kind} | {rows} | {diff:.2e} |")
    assert all(d <= TOLERANCE for *_, d in PARITY)
