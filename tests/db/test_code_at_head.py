"""The frozen-history guard, database side: what head installs is the current plpython/ and sql/.

If this fails, plpython/ or sql/ changed without a migration. Write a revision that installs
the new code and freeze it with `pgchurn dev snapshot <rev>`.
"""

import re
from pathlib import Path

from pgchurn import codebundle

ROOT = Path(__file__).resolve().parents[2]
BODY = re.compile(
    r"CREATE OR REPLACE FUNCTION (churn\.\w+)\(.*?\$pgchurn\$\n(.*?)\$pgchurn\$", re.S
)


def test_installed_modules_equal_current_plpython(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT module_path, source FROM churn.plpython_module")
        installed = dict(cur.fetchall())
    assert installed == codebundle.read_modules(ROOT / "plpython")


def test_installed_function_bodies_equal_current_sql(conn):
    bundle = codebundle.current_bundle(ROOT)
    expected = {}
    for text in bundle.sql.values():
        for name, body in BODY.findall(text):
            expected[name] = body
    assert expected, "no PL/Python function found in sql/"
    with conn.cursor() as cur:
        cur.execute(
            "SELECT p.oid::regproc::text, p.prosrc FROM pg_proc p"
            " JOIN pg_language l ON l.oid = p.prolang"
            " WHERE l.lanname = 'plpython3u' AND p.pronamespace = 'churn'::regnamespace"
        )
        installed = {
            name if name.startswith("churn.") else f"churn.{name}": src for name, src in cur
        }
    assert installed.keys() == expected.keys()
    for name, body in expected.items():
        assert installed[name].strip("\n") == body.strip("\n"), f"{name} differs from sql/"


def test_loader_reports_the_code_version_of_the_tree(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT churn._load_code()")
        version = cur.fetchone()[0]
    assert version == codebundle.current_bundle(ROOT).code_version
