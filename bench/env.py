"""The benchmark's own PostgreSQL cluster, its template databases and throwaway copies of them.

The cluster lives in bench/.data/cluster (run as OS user postgres when we are root) on a free
port; the system cluster and the project's .pgchurn/ cluster are never touched. A template
database is migrated, seeded and given the benchmark models once; its fingerprint (sizes,
seed, the migrations, the seeder and the models) is stored as its COMMENT, so a re-run reuses
it unless something it was built from changed. Every measurement runs in a fresh copy
(CREATE DATABASE ... TEMPLATE, STRATEGY FILE_COPY), dropped afterwards.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from psycopg2 import sql

from pgchurn import migrate
from pgchurn.cluster import Cluster, free_port

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
BUILD = ROOT / "bench" / ".build"
RESULTS = ROOT / "bench" / "results"
TRIGGER = "complaint_after_insert"

# Added to pgchurn.cluster's SERVER_SETTINGS (max_connections 120, shared_buffers 256MB):
# fewer forced checkpoints during bulk loads. fsync and synchronous_commit stay at defaults.
EXTRA_SETTINGS = {"max_wal_size": "4GB", "checkpoint_timeout": "30min"}


# ---------------------------------------------------------------------------- the cluster
def bench_cluster() -> Cluster:
    """The cluster in bench/.data/cluster, on the port it runs on, or a free one."""
    probe = Cluster(base=DATA / "cluster", port=0)
    if probe.running():
        return Cluster(probe.base, _pid_port(probe.data_dir))
    return Cluster(probe.base, free_port())


def _pid_port(data_dir: Path) -> int:
    lines = (data_dir / "postmaster.pid").read_text().splitlines()
    return int(lines[3])


def start(cluster: Cluster) -> None:
    """initdb (once), start, and apply EXTRA_SETTINGS."""
    DATA.mkdir(parents=True, exist_ok=True)
    cluster.init()
    cluster.start()
    with closing(connect(cluster.database_url("postgres"))) as conn, conn.cursor() as cur:
        for name, value in EXTRA_SETTINGS.items():
            cur.execute(sql.SQL("ALTER SYSTEM SET {} = %s").format(sql.Identifier(name)), (value,))
        cur.execute("SELECT pg_reload_conf()")


def connect(url: str, *, autocommit: bool = True) -> psycopg2.extensions.connection:
    conn = psycopg2.connect(url)
    conn.autocommit = autocommit
    return conn


def admin(cluster: Cluster, statement: sql.Composable | str, args: tuple[object, ...] = ()) -> list:
    """Run one statement in the maintenance database; returns its rows (or [])."""
    with closing(connect(cluster.database_url("postgres"))) as conn, conn.cursor() as cur:
        cur.execute(statement, args)
        return cur.fetchall() if cur.description else []


# ---------------------------------------------------------------------------- fingerprints
def digest(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode() + b"\0")
    return h.hexdigest()[:16]


def tree_digest(*names: str) -> str:
    """sha256 of the given files, and of every file under the given folders, of the checkout."""
    h = hashlib.sha256()
    for name in names:
        top = ROOT / name
        for path in [top] if top.is_file() else sorted(top.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def reference_day() -> datetime:
    """The seed's reference time: today at midnight UTC, so a same-day re-run reuses templates."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def data_fingerprint(customers: int, seed: int) -> str:
    """What decides the seeded rows and the training data (not the rest of the schema)."""
    code = tree_digest("pgchurn/seed", "sql/functions/feature_frame.sql")
    return digest("data", customers, seed, reference_day().isoformat(), code)


def code_fingerprint() -> str:
    """The migrations: they carry every table, function and PL/Python module."""
    return tree_digest("migrations")


# ---------------------------------------------------------------------------- templates
def template_name(customers: int) -> str:
    return f"tmpl_c{customers}"


def stored_fingerprint(cluster: Cluster, dbname: str) -> dict[str, str] | None:
    """The fingerprint a template was built with (its COMMENT), or None."""
    rows = admin(
        cluster,
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        (dbname,),
    )
    try:
        return json.loads(rows[0][0]) if rows else None
    except (TypeError, ValueError):
        return None


def ensure_template(
    cluster: Cluster,
    customers: int,
    fingerprint: dict[str, str],
    build: Callable[[str], None],
    *,
    keep: bool = False,
    say: Callable[[str], None] = print,
) -> tuple[str, dict[str, str]]:
    """The template for `customers` and its fingerprint, built by `build(url)` unless current.

    With `keep`, an existing template is used even when what it was built from has changed
    (useful while others edit the migrations); the report then says which code it holds.
    """
    name = template_name(customers)
    stored = stored_fingerprint(cluster, name)
    if stored == fingerprint or (keep and stored is not None):
        state = "current" if stored == fingerprint else "KEPT although stale"
        say(f"  template {name} is {state} ({stored})")
        return name, stored
    building = f"{name}_building"
    drop(cluster, building)
    admin(cluster, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
    started = time.perf_counter()
    build(cluster.database_url(building))
    drop(cluster, name)
    admin(
        cluster,
        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
            sql.Identifier(building), sql.Identifier(name)
        ),
    )
    admin(
        cluster,
        sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(name), sql.Literal(json.dumps(fingerprint))
        ),
    )
    say(f"  built template {name} in {time.perf_counter() - started:.0f}s")
    return name, fingerprint


def migrate_and_seed(url: str, customers: int, seed: int) -> None:
    """alembic upgrade head, then the seeder's COPY load (reference time: today, midnight UTC)."""
    from pgchurn.seed import SeedSpec, seed_database

    migrate.upgrade(url)
    seed_database(url, SeedSpec(customers, seed=seed, now=reference_day()))


def vacuum_analyze(url: str) -> None:
    with closing(connect(url)) as conn, conn.cursor() as cur:
        cur.execute("VACUUM (ANALYZE, FREEZE)")


# ---------------------------------------------------------------------------- copies
def drop(cluster: Cluster, dbname: str) -> None:
    admin(
        cluster, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
    )


@contextmanager
def copy_of(cluster: Cluster, template: str, name: str = "bench_run") -> Iterator[str]:
    """A fresh copy of a template for one measurement; dropped afterwards."""
    drop(cluster, name)
    admin(
        cluster,
        sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
            sql.Identifier(name), sql.Identifier(template)
        ),
    )
    try:
        yield cluster.database_url(name)
    finally:
        drop(cluster, name)


def set_trigger(url: str, *, enabled: bool) -> None:
    """ENABLE or DISABLE pgchurn's complaint trigger in a benchmark copy."""
    action = sql.SQL("ENABLE" if enabled else "DISABLE")
    with closing(connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            sql.SQL("ALTER TABLE churn.complaint {} TRIGGER {}").format(
                action, sql.Identifier(TRIGGER)
            )
        )


def scalar(url: str, query: str, args: tuple[object, ...] = ()) -> object:
    with closing(connect(url)) as conn, conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchone()[0]


def scoring_errors(url: str) -> dict[str, object]:
    """How many scores failed in this copy, and the most frequent error."""
    with closing(connect(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*), (SELECT error FROM churn.scoring_error GROUP BY error"
            " ORDER BY count(*) DESC LIMIT 1) FROM churn.scoring_error"
        )
        count, error = cur.fetchone()
    return {"count": int(count), "top_error": error}


def postmaster_pid(cluster: Cluster) -> int | None:
    """The benchmark server's postmaster, for telling our CPU use from everybody else's."""
    try:
        return int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def execute(url: str, statement: str, args: tuple[object, ...] = ()) -> None:
    """One statement that returns no rows (CHECKPOINT, CALL ...), in autocommit."""
    with closing(connect(url)) as conn, conn.cursor() as cur:
        cur.execute(statement, args)
