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
