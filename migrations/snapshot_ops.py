"""Install a frozen code snapshot from a revision. Keep this module backwards compatible.

Every revision that installs code names a folder under `migrations/snapshots/` and the sha256
of that folder's MANIFEST.json. The manifest maps each file to its sha256, and the file itself
is stored once, under that sha256, in `migrations/snapshots/objects/`, however many revisions
share it (a snapshot frozen before the store existed may still hold its files in its own
folder; those are read first). `Snapshot.files()` checks every byte against the manifest, so
an edited snapshot or object fails loudly instead of silently changing what an old revision
installs. Nothing here reads `plpython/` or `sql/`: those are the current code, not a
revision's.

A revision that changes code installs only the change: given the snapshot the database holds
(`since=PREVIOUS`), `install_modules` deletes and inserts just the modules whose bytes differ,
and `sql_files` lists just the SQL files that differ, the way alembic_utils replaces only the
entities that changed. Every revision still ends with exactly its own snapshot's bytes.
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

    def sql_files(self, folder: str, *, since: Snapshot | None = None) -> list[str]:
        """Relative paths of this snapshot's SQL files in a folder, sorted, e.g. 'functions/'.

        With `since`, only the files that are new or differ from that snapshot's.
        """
        prefix = f"sql/{folder}"
        old = since.files() if since is not None else {}
        return sorted(
            k[len("sql/") :]
            for k, text in self.files().items()
            if k.startswith(prefix) and (since is None or old.get(k) != text)
        )

    def run_sql(self, *rels: str) -> None:
        """Execute SQL files of this snapshot, in the order given."""
        for rel in rels:
            execute_sql(self.sql(rel))

    def install_modules(self, *, since: Snapshot | None = None) -> None:
        """Make churn.plpython_module hold this snapshot's package.

        Without `since`, replace every row. With `since` (the snapshot the database holds, which
        is checked first), delete the modules that changed or went and insert the changed and
        new ones, so that the script shows only this revision's change.
        """
        new = self.modules()
        if since is None:
            op.execute("DELETE FROM churn.plpython_module")
            paths = sorted(new)
        else:
            old = since.modules()
            _expect_modules(since.name, old)
            gone = sorted(p for p in old if new.get(p) != old[p])
            if gone:
                op.execute(_MODULE_TABLE.delete().where(_MODULE_TABLE.c.module_path.in_(gone)))
            paths = sorted(p for p in new if old.get(p) != new[p])
        rows = [
            {"module_path": p, "source": new[p], "source_sha256": _sha(new[p].encode())}
            for p in paths
        ]
        if rows:
            op.bulk_insert(_MODULE_TABLE, rows)


def modules_digest(modules: dict[str, str]) -> str:
    """md5 of `path=sha256` lines in byte order: what _expect_modules computes in the server."""
    lines = ",".join(f"{p}={_sha(modules[p].encode())}" for p in sorted(modules))
    return hashlib.md5(lines.encode()).hexdigest()


def _expect_modules(revision: str, modules: dict[str, str]) -> None:
    """Stop the migration unless churn.plpython_module holds exactly `modules` (revision's)."""
    execute_sql(
        f"""
        DO $expect$
        BEGIN
            IF (SELECT md5(coalesce(string_agg(module_path || '=' || source_sha256, ','
                                               ORDER BY module_path COLLATE "C"), ''))
                  FROM churn.plpython_module) <> '{modules_digest(modules)}' THEN
                RAISE EXCEPTION 'churn.plpython_module does not hold the code of revision {revision}'
                    USING HINT = 'this revision installs only the modules that changed since '
                                 '{revision}; fix: put back the rows of {revision} (its '
                                 'MANIFEST.json under migrations/snapshots) and upgrade again';
            END IF;
        END
        $expect$;
        """
    )


def execute_sql(text: str) -> None:
    """Run a SQL script verbatim: colons are escaped so that no ':name' becomes a parameter."""
    op.execute(sa.text(textwrap.dedent(text).strip().replace(":", r"\:")))
