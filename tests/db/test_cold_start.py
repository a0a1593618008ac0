"""A new backend's first complaint (revision 0016): the package's cached bytecode is trusted
only in its own format, under the code version the caller expects; anything else is ignored
and rebuilt from the sources, and the score is still right (checked against scikit-learn).
"""

import marshal

import psycopg2
import pytest

from tests.db.helpers import activate, add_customer, profile, register, scored_features

pytestmark = pytest.mark.demo_profile

FORMAT = "pgchurn package bytecode: marshal per module 1"  # as churn._load_code writes it
NOT_INSTALLED = "0123456789abcdef"


@pytest.fixture
def gbdt(trained):
    return trained("gbdt")


@pytest.fixture
def active_gbdt(conn, gbdt):
    with conn.cursor() as cur:
        activate(cur, register(cur, gbdt.pmml, "gbdt"))
        add_customer(cur, 1, tenure_months=3, monthly_charges=99.0)
        add_customer(cur, 2, tenure_months=40, monthly_charges=20.0)
    conn.commit()


def cached_package(cur):
    """(code_version, python_magic, the stored value unmarshalled) of the one cached row."""
    cur.execute("SELECT churn._load_code()")
    cur.execute("SELECT code_version, python_magic, code FROM churn.plpython_bytecode")
    rows = cur.fetchall()
    assert len(rows) == 1
    version, magic, code = rows[0]
    return version, magic, marshal.loads(bytes(code))


def store(cur, version, magic, value):
    cur.execute(
        "UPDATE churn.plpython_bytecode SET code = %s WHERE code_version = %s"
        " AND python_magic = %s",
        (value, version, magic),
    )
    assert cur.rowcount == 1


def first_complaint_in_a_new_backend(db_url, customer_id):
    """Autocommit, as an application files it: the rescoring runs at its commit."""
    fresh = psycopg2.connect(db_url)
    fresh.autocommit = True
    try:
        with fresh.cursor() as cur:
            cur.execute("SELECT count(*) FROM churn.scoring_error")
            errors_before = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                " VALUES (%s, 'billing', 4, 'phone')",
                (customer_id,),
            )
            cur.execute("SELECT count(*) FROM churn.scoring_error")
            assert cur.fetchone()[0] == errors_before, "the complaint was scored"
            return profile(cur, customer_id)["churn_score"], scored_features(cur, customer_id)
    finally:
        fresh.close()


def test_the_package_is_cached_per_module_under_the_installed_version(conn, active_gbdt):
    with conn.cursor() as cur:
        version, magic, stored = cached_package(cur)
        cur.execute("SELECT churn._code_version(), count(*) FROM churn.plpython_module")
        installed, modules = cur.fetchone()
    assert version == installed
    tag, entries = stored
    assert tag == FORMAT
    assert len(entries) == modules and "__init__.py" in entries
    assert all(type(v) is bytes for v in entries.values())


@pytest.mark.parametrize(
    "damage",
    [
        "a module's entry is not bytecode",
        "another format (0015's: code objects, not bytes)",
        "not marshal data at all",
    ],
)
def test_a_damaged_or_foreign_cache_entry_is_ignored_rebuilt_and_scores_stay_right(
    conn, db_url, gbdt, active_gbdt, damage
):
    with conn.cursor() as cur:
        version, magic, (tag, entries) = cached_package(cur)
        if damage.startswith("a module's"):
            value = marshal.dumps((tag, entries | {"rescoring.py": b"\xe3not bytecode"}))
        elif damage.startswith("another format"):
            value = marshal.dumps({p: compile("", p, "exec") for p in entries})
        else:
            value = b"\x00\xff"
        store(cur, version, magic, value)
    conn.commit()

    score, features = first_complaint_in_a_new_backend(db_url, 1)
    assert score == pytest.approx(float(gbdt.proba(features)[0]), abs=1e-9)

    with conn.cursor() as cur:
        cur.execute("SELECT code FROM churn.plpython_bytecode WHERE code_version = %s", (version,))
        tag, rebuilt = marshal.loads(bytes(cur.fetchone()[0]))
    assert tag == FORMAT and set(rebuilt) == set(entries)
    assert rebuilt["rescoring.py"] == entries["rescoring.py"], "the damaged entry was replaced"

    score, features = first_complaint_in_a_new_backend(db_url, 2)  # from the rebuilt row
    assert score == pytest.approx(float(gbdt.proba(features)[0]), abs=1e-9)


def test_a_cache_entry_of_another_python_is_not_read(conn, db_url, gbdt, active_gbdt):
    """A row under another bytecode magic number, even a damaged one, is never loaded."""
    with conn.cursor() as cur:
        version, magic, _ = cached_package(cur)
        cur.execute("DELETE FROM churn.plpython_bytecode")
        cur.execute(
            "INSERT INTO churn.plpython_bytecode (code_version, python_magic, code)"
            " VALUES (%s, 'ffff', '\\x00ff')",
            (version,),
        )
    conn.commit()
    score, features = first_complaint_in_a_new_backend(db_url, 1)
    assert score == pytest.approx(float(gbdt.proba(features)[0]), abs=1e-9)
    with conn.cursor() as cur:
        cur.execute("SELECT python_magic FROM churn.plpython_bytecode ORDER BY 1")
        assert cur.fetchall() == sorted([("ffff",), (magic,)])


def test_an_expected_version_that_is_not_cached_loads_the_installed_code(conn, db_url):
    """The version a caller names only selects a cached row; the sources decide otherwise,
    and the entry points then refuse the mismatch (codebundle's dispatcher)."""
    fresh = psycopg2.connect(db_url)
    try:
        with fresh.cursor() as cur:
            cur.execute("SELECT churn._load_code(%s), churn._code_version()", (NOT_INSTALLED,))
            loaded, installed = cur.fetchone()
    finally:
        fresh.close()
    assert loaded == installed != NOT_INSTALLED
