"""Install a frozen code snapshot from a revision. Keep this module backwards compatible.

Every revision that installs code names a folder under `migrations/snapshots/` and the sha256
of that folder's MANIFEST.json. The manifest maps each file to its sha256, and the file itself
is stored once, under that sha256, in `migrations/snapshots/objects/`, however many revisions
share it (a snapshot frozen before the store existed may still hold its files in its own
folder; those are read first). `Snapshot.files()` checks every byte against the manifest, so
an edited snapshot or object fails loudly instead of silently changing what an old revision
installs. Nothing here reads `plpython/` or `sql/`: those are the current code, not a
revision's.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import sqlalchemy as sa
from alembic import op

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
OBJECTS = "objects"  # SNAPSHOTS/objects/<sha256>: each frozen file once, named by its sha256

_MODULE_TABLE = sa.table(
    "plpython_module",
    sa.column("module_path", sa.Text),
    sa.column("source", sa.Text),
    sa.column("source_sha256", sa.Text),
    schema="churn",
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Snapshot:
    """A frozen copy of plpython/ and rendered sql/ files, as of one revision."""

    def __init__(self, name: str, manifest_sha256: str) -> None:
        """Name the folder and pin its manifest."""
        self.name = name
        self.root = SNAPSHOTS / name
        self.manifest_sha256 = manifest_sha256
        self._files: dict[str, str] | None = None

    def files(self) -> dict[str, str]:
        """Every file of the snapshot, verified against the pinned manifest."""
        if self._files is None:
            self._files = self._verified()
        return self._files

    def _verified(self) -> dict[str, str]:
        raw = (self.root / "MANIFEST.json").read_bytes()
        if _sha(raw) != self.manifest_sha256:
            raise RuntimeError(
                f"snapshot {self.name}: MANIFEST.json does not match the sha256 pinned in its "
                "revision; snapshots are frozen history and must not be edited"
            )
        manifest = json.loads(raw)
        files: dict[str, str] = {}
        for rel, want in manifest["files"].items():
            data = self._read(rel, want)
            if _sha(data) != want:
                raise RuntimeError(f"snapshot {self.name}: {rel} was edited after it was frozen")
            files[rel] = data.decode("utf-8")
        return files

    def _read(self, rel: str, sha256: str) -> bytes:
        """A file's bytes: from the snapshot's own folder if it is there, else the store."""
        own = self.root / rel
        if own.is_file():
            return own.read_bytes()
        stored = self.root.parent / OBJECTS / sha256
        if not stored.is_file():
            raise RuntimeError(
                f"snapshot {self.name}: {rel} is missing; neither {own} nor {stored} exists"
            )
        return stored.read_bytes()

    def sql(self, rel: str) -> str:
        """One rendered SQL file, for example 'functions/predict.sql'."""
        return self.files()[f"sql/{rel}"]

    def modules(self) -> dict[str, str]:
        """The PL/Python package sources, by path inside the package."""
        prefix = "plpython/"
        return {k[len(prefix) :]: v for k, v in self.files().items() if k.startswith(prefix)}

    def sql_files(self, folder: str) -> list[str]:
        """Relative paths of this snapshot's SQL files in a folder, sorted, e.g. 'functions/'."""
        prefix = f"sql/{folder}"
        return sorted(k[len("sql/") :] for k in self.files() if k.startswith(prefix))

    def run_sql(self, *rels: str) -> None:
        """Execute SQL files of this snapshot, in the order given."""
        for rel in rels:
            execute_sql(self.sql(rel))

    def install_modules(self) -> None:
        """Replace the rows of churn.plpython_module with this snapshot's package."""
        op.execute("DELETE FROM churn.plpython_module")
        rows = [
            {"module_path": path, "source": src, "source_sha256": _sha(src.encode())}
            for path, src in sorted(self.modules().items())
        ]
        op.bulk_insert(_MODULE_TABLE, rows)


def execute_sql(text: str) -> None:
    """Run a SQL script verbatim: colons are escaped so that no ':name' becomes a parameter."""
    op.execute(sa.text(textwrap.dedent(text).strip().replace(":", r"\:")))
