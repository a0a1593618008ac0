"""Each revision installs its own frozen code, and downgrading restores the previous code.

Walks every revision that carries a snapshot: upgrade an empty database to it and compare
what is installed with that snapshot; then upgrade to head, downgrade back to it, and compare
again. Editing plpython/ can never change what these old revisions install.
"""

import re
import sys
from pathlib import Path

import psycopg2
import pytest

from pgchurn import codebundle, migrate
from tests.db.helpers import function_bodies, installed_code

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "migrations"))
from snapshot_ops import SNAPSHOTS, Snapshot  # noqa: E402

sys.path.remove(str(ROOT / "migrations"))


def snapshot_of(revision: str) -> Snapshot:
    text = next((ROOT / "migrations" / "versions").glob(f"{revision}_*.py")).read_text()
    sha = re.search(r'^SNAPSHOT_SHA256 = "([0-9a-f]{64})"$', text, re.M).group(1)
    return Snapshot(revision, sha)


def installed(url: str) -> tuple[dict[str, str], dict[str, str]]:
    with psycopg2.connect(url) as c, c.cursor() as cur:
        return installed_code(cur)


def frozen(snapshot: Snapshot) -> tuple[dict[str, str], dict[str, str]]:
    sql_texts = [t for rel, t in snapshot.files().items() if rel.startswith("sql/")]
    return snapshot.modules(), function_bodies(sql_texts)


REVISIONS = [p.name for p in codebundle.snapshot_dirs(SNAPSHOTS)]


@pytest.mark.parametrize("revision", REVISIONS)
def test_revision_installs_its_own_snapshot_and_downgrade_restores_it(empty_db_url, revision):
    snap = snapshot_of(revision)
    modules, bodies = frozen(snap)

    migrate.upgrade(empty_db_url, revision)
    got_modules, got_bodies = installed(empty_db_url)
    assert got_modules == modules
    assert got_bodies == {n: bodies[n] for n in got_bodies}, "bodies must come from the snapshot"

    migrate.upgrade(empty_db_url, "head")
    migrate.downgrade(empty_db_url, revision)
    assert installed(empty_db_url) == (got_modules, got_bodies)


def previous_of(revision: str) -> str:
    text = next((ROOT / "migrations" / "versions").glob(f"{revision}_*.py")).read_text()
    return re.search(r'^down_revision: .* = "(\d{4})"$', text, re.M).group(1)


CODE_REVISIONS = [
    p.name[:4]
    for p in sorted((ROOT / "migrations" / "versions").glob("*.py"))
    if "SNAPSHOT.install_modules(since=PREVIOUS)" in p.read_text()
]
INSERTED = re.compile(r"^INSERT INTO churn\.plpython_module \(module_path, source, source_sha256\)"
                      r" VALUES \('([^']+)'", re.M)  # fmt: skip
DELETED = re.compile(r"^DELETE FROM churn\.plpython_module WHERE .* IN \(([^)]*)\);$", re.M)


@pytest.mark.parametrize("revision", CODE_REVISIONS)
def test_a_code_revisions_script_holds_only_what_it_changes(revision):
    """`--sql --from PREVIOUS --to REV`: the modules and SQL function files that differ, no more."""
    previous = previous_of(revision)
    old, new = snapshot_of(previous).files(), snapshot_of(revision).files()
    script = migrate.offline_sql("postgresql://nobody@127.0.0.1:1/none", revision, start=previous)

    changed = {k for k in new if old.get(k) != new[k]}
    modules = {k.removeprefix("plpython/") for k in changed if k.startswith("plpython/")}
    assert set(INSERTED.findall(script)) == modules, "new and changed modules, no others"
    replaced = {
        k.removeprefix("plpython/")
        for k in old
        if k.startswith("plpython/") and new.get(k) != old[k]
    }
    deleted = {p.strip(" '") for d in DELETED.findall(script) for p in d.split(",")}
    assert deleted == replaced, "changed and removed modules, no others"
    for rel, text in new.items():
        if rel.startswith("sql/functions/"):
            assert (text.strip() in script) == (rel in changed), rel


def test_a_code_revision_refuses_a_database_whose_modules_are_not_the_previous_ones(empty_db_url):
    migrate.upgrade(empty_db_url, "0011")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(
            "UPDATE churn.plpython_module SET source = source || '\n# edited by hand\n',"
            " source_sha256 = md5('x') WHERE module_path = 'scoring.py'"
        )
    c.close()
    with pytest.raises(Exception, match="does not hold the code of revision 0011"):
        migrate.upgrade(empty_db_url, "0012")
    assert migrate.current_revision(empty_db_url) == "0011"
