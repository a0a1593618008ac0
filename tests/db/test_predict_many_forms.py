"""churn.predict_many takes rows as an analyst has them, and scores them in order.

The model is the hand-written tree of test_missing_predictions: plan Gold Plus scores 0.2, Basic
0.7, and a plan it never saw or a missing one has no prediction (NULL). So every expected
score below is a leaf of that tree, read by hand.
"""

import psycopg2
import pytest

from tests.db.test_missing_predictions import EXPECTED, model_id  # noqa: F401 - a fixture

IN_ORDER = [EXPECTED[i] for i in sorted(EXPECTED)]

FORMS = {
    "array_agg of frame rows (record[])": (
        "SELECT churn.predict_many(array_agg(f ORDER BY f.customer_id), %s)"
        " FROM churn.feature_frame(now()) f"
    ),
    "array_agg of churn.features": (
        "SELECT churn.predict_many(array_agg(f::churn.features ORDER BY f.customer_id), %s)"
        " FROM churn.feature_frame(now()) f"
    ),
    "jsonb[] of churn.customer_features": (
        "SELECT churn.predict_many(array_agg(churn.customer_features(customer_id)"
        " ORDER BY customer_id), %s) FROM churn.customer_profile"
    ),
    "jsonb_agg of churn.customer_features": (
        "SELECT churn.predict_many(jsonb_agg(churn.customer_features(customer_id)"
        " ORDER BY customer_id), %s) FROM churn.customer_profile"
    ),
    "jsonb_agg of frame rows (attributes nested)": (
        "SELECT churn.predict_many(jsonb_agg(f ORDER BY f.customer_id), %s)"
        " FROM churn.feature_frame(now()) f"
    ),
}


@pytest.mark.parametrize("form", FORMS)
def test_every_documented_form_scores_in_order_with_nulls(login_as, model_id, form):  # noqa: F811
    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur:
        cur.execute(FORMS[form], (model_id,))
        assert cur.fetchone()[0] == pytest.approx(IN_ORDER)


def test_rows_of_the_analysts_own_query_are_scored_by_column_name(login_as, model_id):  # noqa: F811
    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur:
        cur.execute(
            "SELECT churn.predict_many(array_agg(t ORDER BY t.n), %s) FROM"
            " (VALUES (1, 'Basic'), (2, NULL), (3, 'Gold Plus')) AS t(n, plan)",
            (model_id,),
        )
        assert cur.fetchone()[0] == pytest.approx([0.7, None, 0.2])
        cur.execute(
            'SELECT churn.predict_many(\'[null, {"plan": "Basic"}]\'::jsonb, %s)', (model_id,)
        )
        assert cur.fetchone()[0] == pytest.approx([None, 0.7])


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (
            '\'[{"plan": "Basic"}, {"tier": 1}]\'::jsonb',
            "features[2] has no value for the model's input field 'plan'",
        ),
        ('\'[{"plan": "Basic"}, 3]\'::jsonb', "features[2] must be a jsonb object, not a number"),
        ('\'{"plan": "Basic"}\'::jsonb', "must be a jsonb array of objects, not an object"),
        ("NULL::jsonb", "features must not be NULL"),
    ],
)
def test_bad_input_names_the_element_and_the_fix(login_as, model_id, argument, message):  # noqa: F811
    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur, pytest.raises(psycopg2.Error) as raised:
        cur.execute(f"SELECT churn.predict_many({argument}, %s)", (model_id,))
    assert message in raised.value.pgerror
    assert raised.value.diag.message_hint
