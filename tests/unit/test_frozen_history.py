"""History is frozen: each revision installs its own snapshot, and head matches the tree.

The database-side half (what head actually installs equals plpython/) is in
tests/db/test_code_at_head.py.
"""

import hashlib
import importlib.util
import sys
from pathlib import Path

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


def test_edited_snapshot_is_refused(tmp_path, monkeypatch):
    import shutil

    sys.path.insert(0, str(ROOT / "migrations"))
    try:
        import snapshot_ops
    finally:
        sys.path.remove(str(ROOT / "migrations"))
    head = max(SNAPSHOTS.iterdir())
    copy = tmp_path / head.name
    shutil.copytree(head, copy)
    pin = hashlib.sha256((copy / "MANIFEST.json").read_bytes()).hexdigest()
    monkeypatch.setattr(snapshot_ops, "SNAPSHOTS", tmp_path)
    assert snapshot_ops.Snapshot(head.name, pin).files()
    target = copy / "plpython" / "realtime.py"
    target.write_text(target.read_text() + "# edited\n")
    with pytest.raises(RuntimeError, match="edited after it was frozen"):
        snapshot_ops.Snapshot(head.name, pin).files()


def test_head_snapshot_matches_the_working_tree():
    head = max(SNAPSHOTS.iterdir())
    drift = codebundle.head_snapshot_drift(ROOT, head)
    assert drift == [], (
        "plpython/ or sql/ changed without a migration: write a new revision and run "
        "`pgchurn dev snapshot <rev>`:\n" + "\n".join(drift)
    )
