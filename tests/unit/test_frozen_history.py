"""History is frozen: each revision installs its own snapshot, and head matches the tree.

The database-side half (what head actually installs equals plpython/) is in
tests/db/test_code_at_head.py.
"""

import hashlib
import importlib.util
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pgchurn import codebundle

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = ROOT / "migrations" / "versions"
SNAPSHOTS = ROOT / "migrations" / "snapshots"


def _load_revision(path: Path):
    sys.path.insert(0, str(ROOT / "migrations"))
    try:
        spec = importlib.util.spec_from_file_location(f"rev_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "migrations"))


REVISIONS = sorted(VERSIONS.glob("*.py"))


@pytest.mark.parametrize("path", REVISIONS, ids=lambda p: p.stem)
def test_revision_snapshot_is_intact(path):
    rev = _load_revision(path)
    snap = getattr(rev, "SNAPSHOT", None)
    if snap is None:
        pytest.skip("revision installs no code")
    files = snap.files()  # raises if a byte changed
    manifest = (snap.root / "MANIFEST.json").read_bytes()
    assert hashlib.sha256(manifest).hexdigest() == snap.manifest_sha256
    assert any(k.startswith("plpython/") for k in files)


@pytest.mark.parametrize("path", REVISIONS, ids=lambda p: p.stem)
def test_revision_never_reads_the_current_tree(path):
    text = path.read_text()
    for forbidden in ("plpython/", "sql/", "open(", "read_text(", "from_path("):
        assert forbidden not in text, f"{path.name} must install only its frozen snapshot"


def _snapshot_ops():
    sys.path.insert(0, str(ROOT / "migrations"))
    try:
        import snapshot_ops
    finally:
        sys.path.remove(str(ROOT / "migrations"))
    return snapshot_ops


def _head() -> Path:
    return codebundle.snapshot_dirs(SNAPSHOTS)[-1]


@dataclass
class HeadCopy:
    """The head snapshot and the store, copied into a folder that snapshot_ops now reads."""

    ops: Any
    store: Path
    folder: Path
    pin: str
    files: dict[str, str]  # path -> sha256, from the manifest

    def load(self) -> dict[str, str]:
        return self.ops.Snapshot(self.folder.name, self.pin).files()


@pytest.fixture
def head_copy(tmp_path, monkeypatch) -> HeadCopy:
    ops, head = _snapshot_ops(), _head()
    shutil.copytree(head, tmp_path / head.name)
    shutil.copytree(SNAPSHOTS / codebundle.OBJECTS, tmp_path / codebundle.OBJECTS)
    monkeypatch.setattr(ops, "SNAPSHOTS", tmp_path)
    raw = (head / codebundle.MANIFEST).read_bytes()
    return HeadCopy(
        ops,
        tmp_path / codebundle.OBJECTS,
        tmp_path / head.name,
        hashlib.sha256(raw).hexdigest(),
        json.loads(raw)["files"],
    )


def test_edited_snapshot_is_refused(head_copy):
    assert head_copy.load()
    stored = head_copy.store / head_copy.files["plpython/scoring.py"]
    stored.write_text(stored.read_text() + "# edited\n")
    with pytest.raises(RuntimeError, match="scoring.py was edited after it was frozen"):
        head_copy.load()


def test_a_missing_file_is_refused_and_named(head_copy):
    (head_copy.store / head_copy.files["plpython/scoring.py"]).unlink()
    with pytest.raises(RuntimeError, match="plpython/scoring.py is missing"):
        head_copy.load()


def test_a_snapshot_that_holds_its_own_files_still_installs(head_copy):
    """The layout before the store: files inside the revision's folder are read first."""
    want = head_copy.load()
    for rel, sha in head_copy.files.items():
        target = head_copy.folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        (head_copy.store / sha).rename(target)
    assert head_copy.load() == want
    (head_copy.folder / "plpython" / "scoring.py").write_text("# edited\n")
    with pytest.raises(RuntimeError, match="edited after it was frozen"):
        head_copy.load()


def test_the_store_holds_each_frozen_file_once_and_nothing_else():
    used = set()
    for folder in codebundle.snapshot_dirs(SNAPSHOTS):
        assert sorted(p.name for p in folder.iterdir()) == [codebundle.MANIFEST], folder
        used |= set(json.loads((folder / codebundle.MANIFEST).read_bytes())["files"].values())
    stored = {p.name: p for p in (SNAPSHOTS / codebundle.OBJECTS).iterdir()}
    assert set(stored) == used, "unused or missing objects in migrations/snapshots/objects"
    for name, path in stored.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == name


def test_removing_an_unlanded_snapshot_removes_only_its_own_files(tmp_path):
    snapshots = tmp_path / "snapshots"
    first = codebundle.Bundle(modules={"a.py": "A = 1\n"}, sql={"f.sql": "SELECT 1;\n"})
    second = codebundle.Bundle(modules={"a.py": "A = 1\n"}, sql={"f.sql": "SELECT 2;\n"})
    codebundle.write_snapshot(first, snapshots / "0001")
    codebundle.write_snapshot(second, snapshots / "0002")
    assert len(list((snapshots / codebundle.OBJECTS).iterdir())) == 3
    removed = codebundle.remove_snapshot(snapshots / "0002")
    assert removed == [hashlib.sha256(b"SELECT 2;\n").hexdigest()]
    assert [p.name for p in codebundle.snapshot_dirs(snapshots)] == ["0001"]
    with pytest.raises(codebundle.PgchurnError, match="exists"):
        codebundle.write_snapshot(first, snapshots / "0001")


def test_head_snapshot_matches_the_working_tree():
    head = _head()
    drift = codebundle.head_snapshot_drift(ROOT, head)
    assert drift == [], (
        "plpython/ or sql/ changed without a migration: write a new revision and run "
        "`pgchurn dev snapshot <rev>`:\n" + "\n".join(drift)
    )
