"""The code a migration installs: `plpython/` modules plus rendered `sql/` files, and its snapshots.

A revision never reads `plpython/` or `sql/` as they are now. `pgchurn dev snapshot` freezes
them: `migrations/snapshots/<revision>/MANIFEST.json` lists the sha256 of every file, each file
is stored once under its sha256 in `migrations/snapshots/objects/` (revisions share the files
they have in common), and the revision records the manifest's own sha256. The revision then
installs exactly that frozen code, and refuses to run if a byte of it changed.

SQL files are templates in one respect only: a PL/Python entry point's body is written as
`@DISPATCH module.function(args)@`, and rendering replaces it with the standard dispatcher,
which loads the package from `churn.plpython_module` when this backend holds no copy, or an
older one, and then calls `module.function(args)`. Since revision 0016 it names the version it
expects, so that `churn._load_code` can take that version's cached bytecode without reading
and digesting every module's source first.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from pgchurn.errors import PgchurnError

OBJECTS = "objects"  # the shared store, beside the revisions' folders
MANIFEST = "MANIFEST.json"

DISPATCH = re.compile(r"^@DISPATCH (?P<call>[a-z_][a-z0-9_.]*\(.*\))@$", re.M)

DISPATCHER_TEMPLATE = """\
pgchurn = GD.get("pgchurn")
if pgchurn is None or pgchurn.CODE_VERSION != "{version}":
    plpy.execute("SELECT churn._load_code('{version}')")
    pgchurn = GD["pgchurn"]
    if pgchurn.CODE_VERSION != "{version}":
        plpy.error("pgchurn code version mismatch: this function expects {version} but "
                   "churn.plpython_module holds " + pgchurn.CODE_VERSION,
                   hint="run: alembic upgrade head")
return pgchurn.{call}"""


@dataclass(frozen=True)
class Bundle:
    """PL/Python module sources and rendered SQL files, keyed by relative path."""

    modules: dict[str, str]
    sql: dict[str, str]

    @property
    def code_version(self) -> str:
        """Same digest as churn._load_code() computes over churn.plpython_module."""
        return code_version(self.modules)

    def manifest(self) -> dict[str, object]:
        """sha256 of every file, plus the code version."""
        files = {f"plpython/{p}": _sha(s) for p, s in self.modules.items()}
        files.update({f"sql/{p}": _sha(s) for p, s in self.sql.items()})
        return {"code_version": self.code_version, "files": dict(sorted(files.items()))}


def code_version(modules: dict[str, str]) -> str:
    """The first 16 hex digits of sha256 over (path NUL source NUL) in path order."""
    digest = hashlib.sha256()
    for path in sorted(modules):
        digest.update(path.encode() + b"\0" + modules[path].encode() + b"\0")
    return digest.hexdigest()[:16]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def render_sql(template: str, version: str) -> str:
    """Expand every `@DISPATCH call@` line into the dispatcher for this code version."""

    def expand(match: re.Match[str]) -> str:
        return DISPATCHER_TEMPLATE.format(version=version, call=match.group("call"))

    rendered = DISPATCH.sub(expand, template)
    if "@DISPATCH" in rendered:
        raise PgchurnError("a @DISPATCH line is malformed; write it as @DISPATCH module.fn(args)@")
    return rendered


def read_modules(plpython_dir: Path) -> dict[str, str]:
    """Every .py file under plpython/, by path relative to it."""
    return {
        p.relative_to(plpython_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(plpython_dir.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def current_bundle(root: Path, *, exclude: frozenset[str] = frozenset()) -> Bundle:
    """The bundle the working tree would install now, less `exclude` ('sql/x.sql' paths).

    Excluding files is only for freezing an older, unlanded revision after newer SQL files
    were already written; the head snapshot is always the whole tree.
    """
    modules = read_modules(root / "plpython")
    version = code_version(modules)
    sql_dir = root / "sql"
    sql = {
        p.relative_to(sql_dir).as_posix(): render_sql(p.read_text(encoding="utf-8"), version)
        for p in sorted(sql_dir.rglob("*.sql"))
        if f"sql/{p.relative_to(sql_dir).as_posix()}" not in exclude
    }
    return Bundle(modules=modules, sql=sql)


def snapshot_dirs(snapshots: Path) -> list[Path]:
    """The revisions' snapshot folders (each holds a MANIFEST.json), oldest first."""
    return sorted(p for p in snapshots.iterdir() if (p / MANIFEST).is_file())


def write_snapshot(bundle: Bundle, dest: Path) -> str:
    """Freeze the bundle as snapshot `dest` and return the sha256 of its MANIFEST.json.

    The files go into the store beside `dest` (those already there are reused, after their
    bytes are checked against their names); `dest` itself holds only the manifest.
    """
    if dest.exists():
        raise PgchurnError(f"snapshot {dest} exists; snapshots are frozen, pick a new revision")
    store = dest.parent / OBJECTS
    for text in [*bundle.modules.values(), *bundle.sql.values()]:
        store_object(store, text.encode("utf-8"))
    manifest = (json.dumps(bundle.manifest(), indent=2, sort_keys=True) + "\n").encode("utf-8")
    dest.mkdir(parents=True)
    (dest / MANIFEST).write_bytes(manifest)
    return hashlib.sha256(manifest).hexdigest()


def store_object(store: Path, data: bytes) -> Path:
    """Put `data` into the store under its sha256, unless an intact copy is already there."""
    path = store / hashlib.sha256(data).hexdigest()
    if path.exists():
        if hashlib.sha256(path.read_bytes()).hexdigest() != path.name:
            raise PgchurnError(f"{path} does not match its name: frozen code was edited")
        return path
    store.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def remove_snapshot(dest: Path) -> list[str]:
    """Delete a snapshot that no committed revision uses yet, and the files only it used.

    Returns the sha256 names of the files removed from the store.
    """
    shutil.rmtree(dest)
    snapshots = dest.parent
    used = {
        sha
        for folder in snapshot_dirs(snapshots)
        for sha in json.loads((folder / MANIFEST).read_bytes())["files"].values()
    }
    store = snapshots / OBJECTS
    unused = sorted(p for p in store.iterdir() if p.name not in used) if store.is_dir() else []
    for path in unused:
        path.unlink()
    return [p.name for p in unused]


def head_snapshot_drift(root: Path, head_snapshot: Path) -> list[str]:
    """Files where the working tree differs from the head revision's frozen snapshot.

    Empty when every change to plpython/ or sql/ has been frozen into a revision; otherwise
    each entry names a file and the fix is a new revision (`pgchurn dev snapshot REV`).
    """
    frozen = json.loads((head_snapshot / MANIFEST).read_text(encoding="utf-8"))["files"]
    current = current_bundle(root).manifest()["files"]
    assert isinstance(current, dict)
    drift = []
    for rel in sorted(set(frozen) | set(current)):
        if frozen.get(rel) != current.get(rel):
            state = "added" if rel not in frozen else "removed" if rel not in current else "changed"
            drift.append(f"{rel} {state} since snapshot {head_snapshot.name}")
    return drift
