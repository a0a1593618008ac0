"""Where the PMML's own rules give no prediction, the analyst gets NULL, never a failed query.

The model is a hand-written tree with no catch-all branch and a plan field kept "as is": a plan
it never saw, or a missing one, matches no child, and PMML says there is no prediction
(JPMML-Evaluator returns a missing value). Its expected scores are the tree's own leaves.
"""

import psycopg2
import pytest

INLINE = 'xmlns:data="http://jpmml.org/jpmml-model/InlineTable"'
PMML = f"""<?xml version="1.0" encoding="UTF-8"?>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">
  <Header><Application name="hand-written: a tree with no catch-all branch"/></Header>
  <DataDictionary>
    <DataField name="y" optype="continuous" dataType="double"/>
    <DataField name="plan" optype="categorical" dataType="string">
      <Value value="Gold Plus"/><Value value="Basic"/>
    </DataField>
  </DataDictionary>
  <TreeModel functionName="regression" noTrueChildStrategy="returnNullPrediction">
    <MiningSchema>
      <MiningField name="y" usageType="target"/>
      <MiningField name="plan" invalidValueTreatment="asIs"/>
    </MiningSchema>
    <Output>
      <OutputField name="predicted_y" feature="predictedValue" dataType="double"
                   optype="continuous"/>
    </Output>
    <ModelVerification recordCount="2" fieldCount="2">
      <VerificationFields>
        <VerificationField field="plan" column="data:plan"/>
        <VerificationField field="predicted_y" column="data:predicted_y"/>
      </VerificationFields>
      <InlineTable>
        <row><data:plan {INLINE}>Gold Plus</data:plan><data:predicted_y {INLINE}>0.2</data:predicted_y></row>
        <row><data:plan {INLINE}>Basic</data:plan><data:predicted_y {INLINE}>0.7</data:predicted_y></row>
      </InlineTable>
    </ModelVerification>
    <Node score="0.5"><True/>
      <Node score="0.2"><SimplePredicate field="plan" operator="equal" value="Gold Plus"/></Node>
      <Node score="0.7"><SimplePredicate field="plan" operator="equal" value="Basic"/></Node>
    </Node>
  </TreeModel>
</PMML>"""
PLANS = {1: "Gold Plus", 2: "Basic", 3: "Silver", 4: None}
EXPECTED = {1: 0.2, 2: 0.7, 3: None, 4: None}  # the leaves; no leaf for Silver or a NULL


@pytest.fixture
def model_id(conn):
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE churn.customer_profile ADD COLUMN plan text")
        for customer_id, plan in PLANS.items():
            cur.execute(
                "INSERT INTO churn.customer_profile (customer_id, plan) VALUES (%s, %s)",
                (customer_id, plan),
            )
        cur.execute("SELECT churn.register_model(%s, 'no catch-all')", (PMML,))
        (registered,) = cur.fetchone()
    conn.commit()
    return registered


def test_predict_and_score_customer_return_null_where_pmml_gives_no_prediction(
    conn, login_as, model_id
):
    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur:
        cur.execute(
            "SELECT customer_id, churn.predict(churn.customer_features(customer_id), %s)"
            " FROM churn.customer_profile ORDER BY 1",
            (model_id,),
        )
        assert dict(cur.fetchall()) == pytest.approx(EXPECTED)
        cur.execute(
            "SELECT churn.predict_many(array_agg(f::churn.features ORDER BY f.customer_id), %s)"
            " FROM churn.feature_frame(now()) f",
            (model_id,),
        )
        assert cur.fetchone()[0] == pytest.approx(list(EXPECTED.values()))
    with conn.cursor() as cur:  # score_customer reads the active model
        cur.execute("SELECT churn.activate_model(%s, allow_unseen_categories => true)", (model_id,))
    conn.commit()
    with analyst.cursor() as cur:
        cur.execute(
            "SELECT customer_id, churn.score_customer(customer_id)"
            " FROM churn.customer_profile ORDER BY 1"
        )
        assert dict(cur.fetchall()) == pytest.approx(EXPECTED)


def test_an_invalid_value_still_fails_and_names_the_field(conn, model_id):
    strict = PMML.replace('invalidValueTreatment="asIs"', 'invalidValueTreatment="returnInvalid"')
    with conn.cursor() as cur:
        cur.execute("SELECT churn.register_model(%s, 'strict')", (strict,))
        (strict_id,) = cur.fetchone()
        with pytest.raises(psycopg2.Error) as refused:
            cur.execute('SELECT churn.predict(\'{"plan": "Silver"}\', %s)', (strict_id,))
    assert "field 'plan': invalid value 'Silver'" in str(refused.value)


def test_the_trigger_keeps_the_complaint_and_records_why_there_is_no_score(
    conn, login_as, model_id
):
    with conn.cursor() as cur:
        cur.execute("SELECT churn.activate_model(%s, allow_unseen_categories => true)", (model_id,))
    conn.commit()
    app = login_as("pgchurn_app")
    with app.cursor() as cur:
        for customer_id in PLANS:
            cur.execute(
                "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                " VALUES (%s, 'billing', 3, 'phone')",
                (customer_id,),
            )
    with conn.cursor() as cur:
        cur.execute(
            "SELECT customer_id, complaints_total, churn_score, churn_score_stale"
            " FROM churn.customer_score ORDER BY 1"
        )
        rows = cur.fetchall()
        cur.execute("SELECT customer_id, error FROM churn.scoring_error ORDER BY customer_id")
        errors = cur.fetchall()
    assert [(r[0], r[1], r[3]) for r in rows] == [(1, 1, False), (2, 1, False), (3, 1, True),
                                                  (4, 1, True)]  # fmt: skip
    assert rows[0][2] == pytest.approx(0.2) and rows[1][2] == pytest.approx(0.7)
    assert rows[2][2] is None and rows[3][2] is None
    assert [e[0] for e in errors] == [3, 4]
    assert all(e[1].startswith("NoPrediction: ") for e in errors), errors
    assert "no child node's predicate is true" in errors[0][1]


def test_a_batch_finishes_and_records_the_rows_without_a_prediction(conn, model_id):
    with conn.cursor() as cur:
        cur.execute("SELECT churn.activate_model(%s, allow_unseen_categories => true)", (model_id,))
        cur.execute("SELECT finished, rows_scored FROM churn.rescore_batch(100)")
        assert cur.fetchone() == (True, 4)
        cur.execute(
            "SELECT customer_id FROM churn.customer_score"
            " WHERE churn_score IS NOT NULL AND NOT churn_score_stale ORDER BY 1"
        )
        assert cur.fetchall() == [(1,), (2,)]
        cur.execute(
            "SELECT customer_id, triggered_by FROM churn.scoring_error"
            " WHERE error LIKE 'NoPrediction: %' ORDER BY 1"
        )
        assert cur.fetchall() == [(3, "batch"), (4, "batch")]
