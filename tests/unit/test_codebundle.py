"""Rendering of SQL dispatchers and the frozen-history check, without a database."""

import re
import shutil
from pathlib import Path

import pytest

from pgchurn import codebundle
from pgchurn.errors import PgchurnError

ROOT = Path(__file__).resolve().parents[2]


def test_dispatch_line_renders_to_a_versioned_dispatcher():
    out = codebundle.render_sql("AS $x$\n@DISPATCH triggers.f(TD)@\n$x$;", "abc123")
    assert 'CODE_VERSION != "abc123"' in out
    assert out.rstrip().endswith("return pgchurn.triggers.f(TD)\n$x$;".rstrip())
    assert "@DISPATCH" not in out


def test_malformed_dispatch_line_is_refused():
    with pytest.raises(PgchurnError, match="malformed"):
        codebundle.render_sql("@DISPATCH not a call@", "v")


def test_code_version_depends_on_path_and_source():
    a = codebundle.code_version({"a.py": "x = 1\n"})
    assert a == codebundle.code_version({"a.py": "x = 1\n"})
    assert a != codebundle.code_version({"a.py": "x = 2\n"})
    assert a != codebundle.code_version({"b.py": "x = 1\n"})
    assert re.fullmatch(r"[0-9a-f]{16}", a)


def _installed_by_revisions() -> set[str]:
    """sql/ paths some revision runs: named literally, or in a folder it runs (its changed files)."""
    import json
    import re

    used = set()
    for path in (ROOT / "migrations" / "versions").glob("*.py"):
        text = path.read_text()
        used |= {
            f"sql/{m}"
            for m in re.findall(r'"((?:tables|types|functions|triggers|views)/[\w./]+\.sql)"', text)
        }
        snap = re.search(r'Snapshot\("(\d{4})", SNAPSHOT_SHA256\)', text)
        if snap:
            manifest = ROOT / "migrations" / "snapshots" / snap.group(1) / "MANIFEST.json"
            frozen = json.loads(manifest.read_text())["files"]
            for folder in re.findall(r'sql_files\("([\w/]+/)"[,)]', text):
                used |= {f for f in frozen if f.startswith(f"sql/{folder}")}
    return used


# sql/ files that define an object a revision creates in its own Python, before sql/ held it.
CREATED_BY_REVISION_CODE = {"sql/tables/000_installed_object.sql": "0001_foundation.py"}


def test_every_sql_file_is_executed_by_some_revision():
    used = _installed_by_revisions()
    for path in sorted((ROOT / "sql").rglob("*.sql")):
        rel = f"sql/{path.relative_to(ROOT / 'sql').as_posix()}"
        if rel in CREATED_BY_REVISION_CODE:
            revision = ROOT / "migrations" / "versions" / CREATED_BY_REVISION_CODE[rel]
            table = re.search(r"CREATE TABLE (churn\.\w+)", path.read_text()).group(1)  # type: ignore[union-attr]
            assert f"CREATE TABLE {table} (" in revision.read_text(), rel
            continue
        assert rel in used, f"{rel} is not installed by any revision"


def _copy_tree(tmp_path: Path) -> Path:
    for name in ("plpython", "sql", "migrations"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_code_change_without_a_migration_is_detected(tmp_path):
    root = _copy_tree(tmp_path)
    head = codebundle.snapshot_dirs(root / "migrations" / "snapshots")[-1]
    assert codebundle.head_snapshot_drift(root, head) == []
    triggers = root / "plpython" / "rescoring.py"
    triggers.write_text(triggers.read_text() + "\n# an innocent-looking edit\n")
    assert codebundle.head_snapshot_drift(root, head) == [
        f"plpython/rescoring.py changed since snapshot {head.name}",
        # the code version changes, so every rendered dispatcher changes too
        *[
            f"sql/{p.relative_to(root / 'sql').as_posix()} changed since snapshot {head.name}"
            for p in sorted((root / "sql").rglob("*.sql"))
            if "@DISPATCH" in p.read_text()
        ],
    ]
