"""Least privilege: each role may do what it needs and is refused the rest, with the error."""

import uuid

import psycopg2
import pytest

from pgchurn import migrate
from tests.db.helpers import activate, add_customer, register

pytestmark = pytest.mark.demo_profile

INSERT_COMPLAINT = (
    "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
    " VALUES (1, 'billing', 3, 'phone') RETURNING complaint_id"
)
ACTIONS = {
    "insert complaint": INSERT_COMPLAINT,
    "insert profile": (
        "INSERT INTO churn.customer_profile (customer_id, contract_type, monthly_charges,"
        " payment_method, internet_service) VALUES (2, 'one-year', 10, 'credit-card', 'dsl')"
    ),
    "update profile attribute": "UPDATE churn.customer_profile SET contract_type = 'two-year' WHERE customer_id = 1",
    "write a score": "UPDATE churn.customer_score SET churn_score = 0.01 WHERE customer_id = 1",
    "write a counter": "UPDATE churn.customer_score SET complaints_total = 0 WHERE customer_id = 1",
    "read profiles": "SELECT churn_score FROM churn.customer_score",
    "read score log": "SELECT features FROM churn.score_log",
    "write score log": "DELETE FROM churn.score_log",
    "read reasons": "SELECT * FROM churn.explain(1)",
    "score with predict": "SELECT churn.predict(churn.customer_features(1))",
    "score a batch": (
        "SELECT churn.predict_many(ARRAY(SELECT f::churn.features"
        " FROM churn.feature_frame(now()) f))"
    ),
    "register a model": "SELECT churn.register_model('<PMML/>', 'x')",
    "activate a model": "SELECT churn.activate_model(1)",
    "roll back": "SELECT churn.rollback_model()",
    "write model rows": "UPDATE churn.model SET status = 'retired'",
    "read model code": "SELECT source FROM churn.plpython_module",
    "purge score log": "SELECT churn.purge_score_log()",
    "purge compiled code": "SELECT churn.purge_compiled_code()",
    "relay notifications": "SELECT churn.relay_notifications()",
    "read queued notifications": "SELECT payload FROM churn.notification_outbox",
    "write queued notifications": "DELETE FROM churn.notification_outbox",
}
ALLOWED = {
    "app": {"insert complaint", "insert profile", "update profile attribute"},
    "analyst": {
        "read profiles",
        "read score log",
        "read reasons",
        "score with predict",
        "score a batch",
        "read queued notifications",
    },
    "deployer": {
        "register a model",
        "activate a model",
        "roll back",
        "purge score log",
        "purge compiled code",
        "relay notifications",
        "read queued notifications",
    },
}
MATRIX = []


@pytest.fixture
def login(conn, login_as, trained):
    """login(kind) -> a connection as a fresh LOGIN member of that group role."""
    with conn.cursor() as cur:
        add_customer(cur, 1)
        activate(cur, register(cur, trained("logistic").pmml, "lr"))
        cur.execute(INSERT_COMPLAINT)
    conn.commit()
    return lambda kind: login_as(f"pgchurn_{kind}")


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_role_matrix(login, kind):
    c = login(kind)
    for action, statement in ACTIONS.items():
        with c.cursor() as cur:
            try:
                cur.execute(statement)
                outcome = "allowed"
            except psycopg2.errors.InsufficientPrivilege as exc:
                outcome = "refused: " + str(exc).splitlines()[0]
            except psycopg2.Error as exc:  # allowed, but the call itself failed on its input
                outcome = f"allowed ({type(exc).__name__})"
        MATRIX.append((kind, action, outcome))
        expected = action in ALLOWED[kind]
        assert outcome.startswith("allowed") == expected, f"{kind} / {action}: {outcome}"
        if not expected:
            assert "permission denied" in outcome


def test_print_role_matrix():
    print("\n| role | action | outcome |\n|---|---|---|")
    for row in MATRIX:
        print("| " + " | ".join(row) + " |")
    assert all(kind in ALLOWED for kind, *_ in MATRIX)


def test_app_insert_still_rescores_through_the_definer_trigger(conn, login):
    c = login("app")
    with c.cursor() as cur:
        cur.execute(INSERT_COMPLAINT)
    with conn.cursor() as cur:
        cur.execute("SELECT complaints_total, churn_score IS NOT NULL FROM churn.customer_score")
        assert cur.fetchone() == (2, True)
        cur.execute("SELECT count(*) FROM churn.scoring_error")
        assert cur.fetchone() == (0,)


FUNCTION_RULES = """
SELECT p.oid::regprocedure::text,
       p.prosecdef,
       coalesce('search_path=pg_catalog, churn, pg_temp' = ANY (p.proconfig), false),
       EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'),
       l.lanname, p.prosrc
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'churn'::regnamespace
"""


def test_every_churn_function_follows_the_rules(conn):
    with conn.cursor() as cur:
        cur.execute(FUNCTION_RULES)
        rows = cur.fetchall()
    assert rows
    for name, definer, pinned, public, language, source in rows:
        if definer:
            assert pinned, (
                f"{name}: SECURITY DEFINER without search_path = pg_catalog, churn, pg_temp"
            )
            assert not public, f"{name}: SECURITY DEFINER but PUBLIC may execute it"
        if language == "plpython3u":  # untrusted: a definer or not, only granted roles
            assert not public, f"{name}: PL/Python (untrusted) that PUBLIC may execute"
        if name.startswith("churn._"):
            assert not public, f"{name}: internal, but PUBLIC may execute it"
        if language == "plpgsql":
            assert "EXECUTE " not in source.upper().replace("EXECUTE FUNCTION", ""), (
                f"{name}: dynamic SQL"
            )
        assert "format(" not in source.lower(), f"{name}: builds SQL with format()"


def test_a_lookalike_schema_earlier_on_the_search_path_changes_nothing(conn, db_url, login):
    c = login("app")
    with conn.cursor() as cur:
        cur.execute("CREATE SCHEMA evil")
        cur.execute("GRANT USAGE, CREATE ON SCHEMA evil TO pgchurn_app")
        cur.execute("CREATE TABLE evil.customer_profile (customer_id bigint, complaints_total int)")
        cur.execute("CREATE TABLE evil.score_log (x int)")
        cur.execute(
            "CREATE FUNCTION evil.feature_frame(timestamptz) RETURNS SETOF churn.customer_profile"
            " LANGUAGE sql AS 'SELECT NULL::churn.customer_profile WHERE false'"
        )
        cur.execute(
            "CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$SELECT '1999-01-01'::timestamptz$$"
        )
        cur.execute("GRANT ALL ON ALL TABLES IN SCHEMA evil TO PUBLIC")
        cur.execute(
            "SELECT complaints_total, churn_score FROM churn.customer_score WHERE customer_id = 1"
        )
        before_total, _ = cur.fetchone()
    conn.commit()
    with c.cursor() as cur:
        cur.execute("SET search_path = evil, public, churn")
        cur.execute(INSERT_COMPLAINT.replace("churn.complaint", "churn.complaint"))
    with conn.cursor() as cur:
        cur.execute(
            "SELECT complaints_total, churn_scored_at > '2000-01-01' FROM churn.customer_score WHERE customer_id = 1"
        )
        assert cur.fetchone() == (before_total + 1, True)
        cur.execute("SELECT count(*) FROM evil.customer_profile")
        assert cur.fetchone() == (0,)
        cur.execute("SELECT count(*) FROM evil.score_log")
        assert cur.fetchone() == (0,)
        cur.execute("SELECT count(*) FROM churn.scoring_error")
        assert cur.fetchone() == (0,)


def test_configured_role_names_are_created_and_dropped_by_the_migrations(empty_db_url):
    names = {f"{k}_role": f"rt_{k}_{uuid.uuid4().hex[:6]}" for k in ALLOWED}
    migrate.upgrade(empty_db_url, x=names)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT role_kind, role_name FROM churn.role_binding ORDER BY 1")
        assert dict(cur.fetchall()) == {k: names[f"{k}_role"] for k in ALLOWED}
        cur.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s)", (list(names.values()),)
        )
        assert cur.fetchone() == (3,)
    c.close()
    with pytest.raises(Exception, match="different"):
        migrate.downgrade(empty_db_url, "base")  # without the names: refused, nothing dropped
    migrate.downgrade(empty_db_url, "base", x=names)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s)", (list(names.values()),)
        )
        assert cur.fetchone() == (0,), "roles the migrations created are removed"
    c.close()
