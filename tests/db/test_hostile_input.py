"""Hostile PMML and hostile feature values, through the SQL functions inside the server.

Every refused registration leaves nothing behind, and the server (and the connection) stays
up. Feature values get PMML's missing/invalid treatment or a clear error, never a crash.
"""

import json
import re

import psycopg2
import pytest

from tests.unit.pmml.test_refusals import NS, tree_doc

pytestmark = pytest.mark.demo_profile

ERRORS = []  # (case, error), printed by test_print_hostile_cases


def lol_doc():
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY lol0 "lol">{lol}]><PMML {NS}>&lol9;</PMML>'
    )


def xxe_doc():
    return (
        '<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f"<PMML {NS}><Header>&x;</Header></PMML>"
    )


def deep_doc():
    depth = 50_000
    return f"<PMML {NS}>" + "<Extension>" * depth + "</Extension>" * depth + "</PMML>"


def nan_doc():
    return tree_doc(
        '<Node score="0"><True/><ScoreDistribution value="1" recordCount="NaN"/></Node>'
    )


def absurd_doc():
    return tree_doc(
        '<Node score="1e308"><True/><Node score="1e305"><SimplePredicate field="x" operator="lessOrEqual" value="-5e305"/></Node></Node>'
    )


def unsupported_doc():
    return tree_doc(
        '<Node score="0"><True/><Node score="2"><True/><Partition name="p"/></Node></Node>'
    )


CASES = {
    "billion laughs": (lol_doc, "DOCTYPE"),
    "external entity": (xxe_doc, "DOCTYPE"),
    "deep nesting": (deep_doc, "deeper than"),
    "NaN number": (nan_doc, "recordCount"),
    "absurd number": (absurd_doc, "not a finite number"),
    "unsupported element": (unsupported_doc, "Partition"),
}


def registered_models(cur):
    cur.execute("SELECT count(*) FROM churn.model")
    return cur.fetchone()[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_pmml_is_refused_and_leaves_nothing_behind(conn, case):
    make, needle = CASES[case]
    with conn.cursor() as cur:
        with pytest.raises(psycopg2.Error) as err:
            cur.execute("SELECT churn.register_model(%s, %s)", (make(), case))
        conn.rollback()
        message = str(err.value).splitlines()[0]
        ERRORS.append((case, message))
        assert err.value.pgcode == "22023", message
        assert needle in message
        assert "passwd" not in str(err.value) and "root:" not in str(err.value)
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,), "the server and the session stay up"
        assert registered_models(cur) == 0
        cur.execute("SELECT count(*) FROM churn.model_audit")
        assert cur.fetchone() == (0,)


def test_size_limit_is_a_setting(conn, trained):
    pmml = trained("logistic").pmml
    with conn.cursor() as cur:
        cur.execute("UPDATE churn.setting SET value = '1000' WHERE name = 'max_pmml_bytes'")
        with pytest.raises(psycopg2.Error, match="over the limit of 1000 bytes") as err:
            cur.execute("SELECT churn.register_model(%s, 'big')", (pmml,))
        ERRORS.append(("document over the size limit", str(err.value).splitlines()[0]))


def test_verification_mismatch_is_refused_with_the_first_rows(conn, trained):
    pmml = trained("gbdt").pmml
    # shift every expected probability of churn in the embedded verification rows by 0.01
    tampered = re.sub(
        r"<data:probability_1>([^<]*)</data:probability_1>",
        lambda m: f"<data:probability_1>{float(m.group(1)) + 0.01!r}</data:probability_1>",
        pmml,
    )
    assert tampered != pmml
    with conn.cursor() as cur:
        with pytest.raises(psycopg2.Error) as err:
            cur.execute("SELECT churn.register_model(%s, 'tampered')", (tampered,))
    text = str(err.value)
    ERRORS.append(("verification mismatch", " / ".join(text.splitlines()[:3])))
    assert "do not match" in text and "first mismatches" in text


def test_a_document_without_verification_rows_is_refused(conn):
    with conn.cursor() as cur, pytest.raises(psycopg2.Error, match="no ModelVerification") as err:
        cur.execute("SELECT churn.register_model(%s, 'unverified')", (tree_doc(),))
    ERRORS.append(("no verification rows", str(err.value).splitlines()[0]))


HOSTILE_VALUES = {
    "NULL everywhere": {},
    "huge string": {"contract_type": "x" * 1_000_000},
    "unknown category": {"payment_method": "bitcoin"},
    "infinity": {"monthly_charges": 1e999},
    "minus infinity": {"tenure_months": -1e999},
    "string for a number": {"monthly_charges": "NaN"},
    "absurd number": {"monthly_charges": 1e300},
}


@pytest.mark.parametrize("case", sorted(HOSTILE_VALUES))
def test_hostile_feature_values_get_pmml_treatment_or_a_clear_error(conn, trained, case):
    from tests.trained import INPUTS

    model = trained("gbdt")
    record = {name: None for name in INPUTS} | HOSTILE_VALUES[case]
    text = json.dumps(record).replace("Infinity", "1e999")
    with conn.cursor() as cur:
        cur.execute("SELECT churn.register_model(%s, 'gbdt')", (model.pmml,))
        model_id = cur.fetchone()[0]
        conn.commit()
        try:
            cur.execute("SELECT churn.predict(%s::jsonb, %s)", (text, model_id))
            score = cur.fetchone()[0]
            outcome = f"score {score:.4f}"
            assert 0.0 <= score <= 1.0
        except psycopg2.Error as exc:
            conn.rollback()
            outcome = "refused: " + str(exc).splitlines()[0]
            assert exc.pgcode == "22023", outcome
            assert any(name in str(exc) for name in record), "the error names the field"
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    ERRORS.append((f"feature value: {case}", outcome[:160]))


def test_print_hostile_cases():
    print("\n| case | outcome |\n|---|---|")
    for case, message in ERRORS:
        print(f"| {case} | {message[:200]} |")
    assert all(message for _, message in ERRORS)
