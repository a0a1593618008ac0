"""Activation, rollback and retirement, in SQL: one active model, bound fields, an audit trail.

These tests insert registry rows directly (as the superuser) so that they exercise the
lifecycle alone; registration with real PMML is tested in test_register_model.py.
"""

import json

import psycopg2
import pytest

pytestmark = pytest.mark.demo_profile

FIELDS = [
    {"name": "tenure_months", "optype": "continuous", "dataType": "integer"},
    {"name": "contract_type", "optype": "categorical", "dataType": "string"},
]


def add_model(cur, name, fields=FIELDS):
    cur.execute(
        "INSERT INTO churn.model (name, pmml, pmml_sha256, input_fields)"
        " VALUES (%s, '<PMML/>', encode(sha256(%s::bytea), 'hex'), %s) RETURNING model_id",
        (name, name, json.dumps(fields)),
    )
    return cur.fetchone()[0]


def active(cur):
    cur.execute("SELECT model_id FROM churn.model WHERE status = 'active'")
    return [r[0] for r in cur.fetchall()]


def audit(cur):
    cur.execute(
        "SELECT action, model_id, previous_model_id, performed_by = session_user"
        " FROM churn.model_audit ORDER BY audit_id"
    )
    return cur.fetchall()


def test_activate_then_rollback_then_retire(conn):
    with conn.cursor() as cur:
        a, b = add_model(cur, "a"), add_model(cur, "b")
        cur.execute("SELECT churn.activate_model(%s)", (a,))
        assert cur.fetchone() == (None,)
        cur.execute("SELECT churn.activate_model(%s)", (b,))
        assert cur.fetchone() == (a,)
        assert active(cur) == [b]
        cur.execute("SELECT churn.rollback_model()")
        assert cur.fetchone() == (a,)
        assert active(cur) == [a]
        cur.execute("SELECT churn.retire_model(%s)", (b,))
        cur.execute("SELECT status FROM churn.model WHERE model_id = %s", (b,))
        assert cur.fetchone() == ("retired",)
        assert audit(cur) == [
            ("activate", a, None, True),
            ("activate", b, a, True),
            ("rollback", a, b, True),
            ("retire", b, None, True),
        ]


def test_at_most_one_active_model_is_a_constraint(conn):
    with conn.cursor() as cur:
        a, b = add_model(cur, "a"), add_model(cur, "b")
        cur.execute("UPDATE churn.model SET status = 'active' WHERE model_id = %s", (a,))
        with pytest.raises(psycopg2.errors.UniqueViolation, match="model_at_most_one_active"):
            cur.execute("UPDATE churn.model SET status = 'active' WHERE model_id = %s", (b,))


def test_activation_refuses_a_field_the_profile_cannot_supply_and_names_it(conn):
    with conn.cursor() as cur:
        ok = add_model(cur, "ok")
        cur.execute("SELECT churn.activate_model(%s)", (ok,))
        bad = add_model(
            cur, "bad", [*FIELDS, {"name": "favourite_colour", "optype": "categorical"}]
        )
        cur.execute("SAVEPOINT s")
        with pytest.raises(psycopg2.errors.InvalidParameterValue) as err:
            cur.execute("SELECT churn.activate_model(%s)", (bad,))
        assert "favourite_colour" in str(err.value)
        cur.execute("ROLLBACK TO SAVEPOINT s")
        assert active(cur) == [ok], "a refused activation changes nothing"


def test_activation_refuses_a_type_mismatch(conn):
    with conn.cursor() as cur:
        bad = add_model(cur, "bad", [{"name": "contract_type", "optype": "continuous"}])
        with pytest.raises(psycopg2.errors.InvalidParameterValue, match="contract_type"):
            cur.execute("SELECT churn.activate_model(%s)", (bad,))


@pytest.mark.parametrize(
    ("sql", "error", "text"),
    [
        ("SELECT churn.activate_model(424242)", psycopg2.errors.NoDataFound, "does not exist"),
        ("SELECT churn.rollback_model()", psycopg2.errors.NoDataFound, "nothing to roll back"),
        ("SELECT churn.retire_model(424242)", psycopg2.errors.NoDataFound, "does not exist"),
    ],
)
def test_lifecycle_errors_are_clear(conn, sql, error, text):
    with conn.cursor() as cur, pytest.raises(error, match=text):
        cur.execute(sql)


def test_retired_and_active_models_are_protected(conn):
    with conn.cursor() as cur:
        a, b = add_model(cur, "a"), add_model(cur, "b")
        cur.execute("SELECT churn.activate_model(%s)", (a,))
        cur.execute("SAVEPOINT s")
        with pytest.raises(psycopg2.errors.InvalidParameterValue, match="is active"):
            cur.execute("SELECT churn.retire_model(%s)", (a,))
        cur.execute("ROLLBACK TO SAVEPOINT s")
        cur.execute("SELECT churn.retire_model(%s)", (b,))
        with pytest.raises(psycopg2.errors.InvalidParameterValue, match="retired"):
            cur.execute("SELECT churn.activate_model(%s)", (b,))


def test_rollback_of_the_first_model_is_refused(conn):
    with conn.cursor() as cur:
        a = add_model(cur, "a")
        cur.execute("SELECT churn.activate_model(%s)", (a,))
        with pytest.raises(psycopg2.errors.NoDataFound, match="first active model"):
            cur.execute("SELECT churn.rollback_model()")


def test_activation_is_transactional(conn):
    with conn.cursor() as cur:
        a, b = add_model(cur, "a"), add_model(cur, "b")
        cur.execute("SELECT churn.activate_model(%s)", (a,))
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("SELECT churn.activate_model(%s)", (b,))
    conn.rollback()
    with conn.cursor() as cur:
        assert active(cur) == [a]
        cur.execute("SELECT count(*) FROM churn.model_audit WHERE model_id = %s", (b,))
        assert cur.fetchone() == (0,)
