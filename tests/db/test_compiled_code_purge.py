"""churn.purge_compiled_code() (revision 0009): the caches of earlier code versions are deleted.

churn.plpython_bytecode and churn.model_compiled are keyed by code version. These tests plant
rows of another code version beside the installed one's and check that the purge deletes
exactly those, that scoring afterwards needs no recompiling, and that revision 0009 purges
once at upgrade and its downgrade leaves revision 0008 working.
"""

from pathlib import Path

import psycopg2
import pytest

from pgchurn import codebundle, migrate
from tests.db.helpers import register
from tests.trained import INPUTS

pytestmark = pytest.mark.demo_profile

ROOT = Path(__file__).resolve().parents[2]
OLD = "0123456789abcdef"  # a code version that is not installed


def plant_stale_bytecode(cur):
    cur.execute(
        "INSERT INTO churn.plpython_bytecode (code_version, python_magic, code)"
        " VALUES (%s, 'a70d', '\\x00')",
        (OLD,),
    )


def plant_stale_rows(cur):
    """A bytecode row and a copy of every compiled model, all of code version OLD."""
    plant_stale_bytecode(cur)
    cur.execute(
        "INSERT INTO churn.model_compiled (pmml_sha256, runtime_version, python_version, source)"
        " SELECT pmml_sha256, %s, python_version, source FROM churn.model_compiled",
        (OLD,),
    )
    return cur.rowcount + 1


def cached_versions(cur):
    cur.execute(
        "SELECT 'bytecode', code_version FROM churn.plpython_bytecode"
        " UNION ALL SELECT 'model', runtime_version FROM churn.model_compiled ORDER BY 1, 2"
    )
    return cur.fetchall()


def test_the_server_computes_the_same_code_version_as_the_tree(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT churn._code_version(), churn._load_code()")
        server, loaded = cur.fetchone()
    by_hand = codebundle.code_version(codebundle.read_modules(ROOT / "plpython"))
    assert server == loaded == by_hand


def test_purge_deletes_only_the_rows_of_other_code_versions(conn, db_url, trained):
    lr = trained("logistic")
    rows = lr.train.head(5)
    with conn.cursor() as cur:
        model_id = register(cur, lr.pmml, "lr")  # caches the model's source for this version
        cur.execute("SELECT churn._load_code()")  # caches the package's bytecode
        (version,) = cur.fetchone()
        current = cached_versions(cur)
        assert current == [("bytecode", version), ("model", version)]
        planted = plant_stale_rows(cur)
        assert planted == 2
        cur.execute("SELECT churn.purge_compiled_code()")
        assert cur.fetchone() == (planted,)
        assert cached_versions(cur) == current
        cur.execute("SELECT churn.purge_compiled_code()")
        assert cur.fetchone() == (0,)
    conn.commit()

    with psycopg2.connect(db_url) as fresh, fresh.cursor() as cur:  # a new backend
        cur.execute(
            "SELECT churn.predict(f, %s) FROM jsonb_array_elements(%s::jsonb)"
            " WITH ORDINALITY AS t(f, i) ORDER BY i",
            (model_id, rows[INPUTS].to_json(orient="records")),
        )
        got = [r[0] for r in cur.fetchall()]
        assert max(abs(g - e) for g, e in zip(got, lr.proba(rows), strict=True)) <= 1e-9
        assert cached_versions(cur) == current, "nothing had to be compiled again"


def test_revision_0009_purges_at_upgrade_and_its_downgrade_leaves_0008_working(empty_db_url):
    migrate.upgrade(empty_db_url, "0008")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT churn._load_code()")
        (version,) = cur.fetchone()
        plant_stale_bytecode(cur)
    migrate.upgrade(empty_db_url, "0009")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        assert cached_versions(cur) == [("bytecode", version)]

    migrate.downgrade(empty_db_url, "0008")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(
            "SELECT to_regprocedure('churn.purge_compiled_code()'),"
            " to_regprocedure('churn._code_version()')"
        )
        assert cur.fetchone() == (None, None)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:  # a new backend loads 0008
        cur.execute("SELECT churn._load_code()")
        assert cur.fetchone() == (version,)
