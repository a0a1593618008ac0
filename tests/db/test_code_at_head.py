"""The frozen-history guard, database side: what head installs is the current plpython/ and sql/.

If this fails, plpython/ or sql/ changed without a migration. Write a revision that installs
the new code and freeze it with `pgchurn dev snapshot <rev>`.
"""

from pathlib import Path

from pgchurn import codebundle
from tests.db.helpers import function_bodies, installed_code

ROOT = Path(__file__).resolve().parents[2]


def test_installed_code_equals_current_plpython_and_sql(conn):
    bundle = codebundle.current_bundle(ROOT)
    with conn.cursor() as cur:
        modules, bodies = installed_code(cur)
    assert modules == codebundle.read_modules(ROOT / "plpython")
    expected = function_bodies(bundle.sql.values())
    assert expected, "no PL/Python function found in sql/"
    assert bodies == expected


def test_loader_reports_the_code_version_of_the_tree(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT churn._load_code()")
        version = cur.fetchone()[0]
    assert version == codebundle.current_bundle(ROOT).code_version
