"""churn.predict_many's column form: records as 2-D arrays, the same scores as the other forms.

The records are the analyst's own table of synthetic telecom data, not the demo's: missing
values in every column and categories no training row had. The reference is scikit-learn's
predict_proba; the other forms of churn.predict_many and churn.predict must give the very
same bits. The hand-written tree of test_missing_predictions gives the NULLs, read by hand.
"""

import numpy as np
import psycopg2
import pytest
from psycopg2 import sql

from tests import datasets
from tests.db.helpers import register
from tests.db.test_missing_predictions import model_id  # noqa: F401 - a fixture
from tests.trained import CATEGORICAL, NUMERIC

TOLERANCE = 1e-9
ROWS = 800
# Not in the order the models read them, and with a column no model reads (total_charges).
GIVEN_NUMBERS = [*reversed(NUMERIC), "total_charges"]
GIVEN_TEXTS = list(reversed(CATEGORICAL))


@pytest.fixture
def records(conn):
    """The analyst's table: n (order), a float8 column per number, a text column per category."""
    frame = datasets.messy_churn(ROWS, seed=23, unseen=True)
    assert frame[CATEGORICAL].isin(list(datasets.UNSEEN.values())).any().all()
    assert frame[NUMERIC].isna().any().all() and frame[CATEGORICAL].isna().any().all()
    columns = [sql.SQL("n integer")]
    columns += [sql.SQL("{} double precision").format(sql.Identifier(c)) for c in GIVEN_NUMBERS]
    columns += [sql.SQL("{} text").format(sql.Identifier(c)) for c in GIVEN_TEXTS]
    values = frame[GIVEN_NUMBERS + GIVEN_TEXTS].astype(object)
    rows = [(n, *row) for n, row in enumerate(values.where(values.notna(), None).itertuples(False))]
    with conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE TABLE public.mine ({})").format(sql.SQL(", ").join(columns)))
        placeholders = sql.SQL(", ").join(sql.Placeholder() * (1 + len(values.columns)))
        cur.executemany(sql.SQL("INSERT INTO public.mine VALUES ({})").format(placeholders), rows)
        cur.execute("GRANT SELECT ON public.mine TO pgchurn_analyst")
    conn.commit()
    return frame


def column_form(numbers: list[str], texts: list[str]) -> sql.Composed:
    """churn.predict_many(%s, names, array_agg(ARRAY[...]), ...) over the table, in order."""

    def part(names: list[str], cast: str) -> sql.Composed:
        return sql.SQL("array_agg(ARRAY[{}]::{} ORDER BY n)").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in names), sql.SQL(cast)
        )

    return sql.SQL("SELECT churn.predict_many(%s, %s, {}, %s, {}) FROM public.mine").format(
        part(numbers, "float8[]"), part(texts, "text[]")
    )


def scores(cur, query, args) -> np.ndarray:
    cur.execute(query, args)
    return np.array(cur.fetchone()[0], dtype=float)


@pytest.mark.parametrize("kind", ["logistic", "forest", "gbdt", "hgb-categorical"])
def test_scores_are_scikit_learns_and_the_other_forms_bits(conn, login_as, trained, records, kind):
    model = trained(kind, impute=True)
    with conn.cursor() as cur:
        model_id = register(cur, model.pmml, f"columns-{kind}")
    conn.commit()
    expected = model.proba(records)
    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur:
        got = scores(
            cur, column_form(GIVEN_NUMBERS, GIVEN_TEXTS), (model_id, GIVEN_NUMBERS, GIVEN_TEXTS)
        )
        rows = scores(
            cur,
            "SELECT churn.predict_many(array_agg(t ORDER BY n), %s) FROM public.mine t",
            (model_id,),
        )
        cur.execute(
            "SELECT churn.predict(to_jsonb(t) - 'n', %s) FROM public.mine t ORDER BY n",
            (model_id,),
        )
        one_by_one = np.array([r[0] for r in cur.fetchall()], dtype=float)
    assert len(got) == ROWS
    assert float(np.max(np.abs(got - expected))) <= TOLERANCE
    assert got.tobytes() == rows.tobytes() == one_by_one.tobytes()  # bit for bit


def test_fields_in_the_models_own_order_and_texts_alone(conn, login_as, trained, records, model_id):  # noqa: F811
    model = trained("logistic", impute=True)
    with conn.cursor() as cur:
        lr = register(cur, model.pmml, "columns-lr")
    conn.commit()
    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur:
        in_order = scores(cur, column_form(NUMERIC, CATEGORICAL), (lr, NUMERIC, CATEGORICAL))
        shuffled = scores(
            cur, column_form(GIVEN_NUMBERS, GIVEN_TEXTS), (lr, GIVEN_NUMBERS, GIVEN_TEXTS)
        )
        assert in_order.tobytes() == shuffled.tobytes()
        assert float(np.max(np.abs(in_order - model.proba(records)))) <= TOLERANCE
        # the hand-written tree reads one text field: no numbers at all, NULL where no leaf
        cur.execute(
            "SELECT churn.predict_many(%s, '{}', '{}', '{plan}',"
            " '{{Basic},{NULL},{Silver},{\"Gold Plus\"}}')",
            (model_id,),
        )
        assert cur.fetchone()[0] == pytest.approx([0.7, None, None, 0.2])
        cur.execute("SELECT churn.predict_many(%s, '{}', '{}', '{plan}', '{}')", (model_id,))
        assert cur.fetchone()[0] == []
    with conn.cursor() as cur:  # one of its 4 customers has a plan it never saw: allowed here
        cur.execute("SELECT churn.activate_model(%s, allow_unseen_categories => true)", (model_id,))
    conn.commit()
    with analyst.cursor() as cur:  # model_id NULL: the active model
        cur.execute("SELECT churn.predict_many(NULL, '{}', '{}', '{plan}', '{{Basic}}')")
        assert cur.fetchone()[0] == pytest.approx([0.7])


LR_CALL = "SELECT churn.predict_many({model}, {numbers_names}, {numbers}, {texts_names}, {texts})"
NUMBERS = "'{" + ",".join(NUMERIC) + "}'"
ONE_ROW = "ARRAY[ARRAY[" + ", ".join(["1.0"] * len(NUMERIC)) + "]]"
TWO_ROWS = (
    "ARRAY[ARRAY["
    + ", ".join(["1.0"] * len(NUMERIC))
    + "], ARRAY["
    + ", ".join(["'Infinity'::float8"] + ["2.0"] * (len(NUMERIC) - 1))
    + "]]"
)
TEXTS = "'{" + ",".join(CATEGORICAL) + "}'"
ONE_TEXT_ROW = "ARRAY[ARRAY['one-year', 'dsl', 'credit-card']]"
TWO_TEXT_ROWS = "ARRAY[ARRAY['one-year', 'dsl', 'credit-card'], ARRAY[NULL, 'dsl', 'crypto']]"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"numbers": TWO_ROWS, "texts": TWO_TEXT_ROWS},
            f"cannot score numbers[2] and texts[2]: field {NUMERIC[0]!r}: invalid value inf",
        ),
        (
            {"numbers": TWO_ROWS, "texts": ONE_TEXT_ROW},
            "numbers has 2 rows but texts has 1",
        ),
        (
            {"numbers": "ARRAY[1.0, 2.0]"},
            "numbers must be a 2-D array, one row of values per record, not a 1-D array",
        ),
        (
            {"numbers": "ARRAY[ARRAY[1.0]]"},
            f"numbers has rows of 1 values but number_fields names {len(NUMERIC)} fields",
        ),
        (
            {
                "texts_names": "'{contract_type,internet_service}'",
                "texts": "ARRAY[ARRAY['a', 'b']]",
            },
            "neither number_fields nor text_fields names the model's input field 'payment_method'",
        ),
        (
            {
                "numbers_names": "'{" + ",".join(NUMERIC[1:]) + "}'",
                "numbers": "ARRAY[ARRAY[" + ", ".join(["1.0"] * (len(NUMERIC) - 1)) + "]]",
                "texts_names": "'{" + ",".join([NUMERIC[0], *CATEGORICAL]) + "}'",
                "texts": "ARRAY[ARRAY['1', 'one-year', 'dsl', 'credit-card']]",
            },
            f"text_fields names {NUMERIC[0]!r}, which the model reads as a number (dataType double)",
        ),
        (
            {"numbers_names": "'{" + ",".join(NUMERIC[:-1] + [NUMERIC[0]]) + "}'"},
            f"number_fields[{len(NUMERIC)}] is {NUMERIC[0]!r} a second time",
        ),
        ({"texts": "NULL"}, "texts must not be NULL"),
    ],
    ids=["bad value", "lengths", "1-D", "width", "missing field", "wrong part", "twice", "NULL"],
)
def test_bad_input_names_the_element_the_field_and_the_fix(
    conn, login_as, trained, arguments, message
):
    with conn.cursor() as cur:
        lr = register(cur, trained("logistic", impute=True).pmml, "columns-lr")
    conn.commit()
    call = {
        "model": str(lr),
        "numbers_names": NUMBERS,
        "numbers": ONE_ROW,
        "texts_names": TEXTS,
        "texts": ONE_TEXT_ROW,
    } | arguments
    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur, pytest.raises(psycopg2.Error) as raised:
        cur.execute(LR_CALL.format(**call))
    assert message in raised.value.pgerror
    assert raised.value.diag.message_hint or "cannot score" in message
