"""Fixtures: one real PostgreSQL 15 with PL/Python per test session, migrated once into a template.

pytest-postgresql's own `postgresql_proc` runs initdb as the current user, which PostgreSQL
refuses for root (and CI runs as root). So the server is started by `pgchurn.cluster`, which
runs it as the OS user `postgres` when we are root, and pytest-postgresql is used for what it
does well: building a template database once (here: `alembic upgrade head`) and giving each
test a fresh copy of it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import connection as PgConnection
from pytest_postgresql import factories
from pytest_postgresql.executors import NoopExecutor
from pytest_postgresql.janitor import DatabaseJanitor

from pgchurn import migrate
from pgchurn.cluster import SUPERUSER, Cluster, free_port, server_os_user

ROOT = Path(__file__).resolve().parent.parent


def url_for(host: str, port: int, user: str, dbname: str) -> str:
    """libpq URL of a test database."""
    return f"postgresql://{user}@{host}:{port}/{dbname}"


def migrate_to_head(host: str, port: int, user: str, dbname: str, **_: object) -> None:
    """pytest-postgresql loader: build the template database through the real migrations."""
    migrate.upgrade(url_for(host, port, user, dbname))


@contextmanager
def throwaway_cluster(prefix: str = "pgchurn-test-") -> Iterator[Cluster]:
    """A new cluster on a free port, run as `postgres` when we are root; deleted afterwards."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    if server_os_user() is not None:
        base.chmod(0o755)
    cluster = Cluster(base=base, port=free_port())
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """The tests' cluster, shared by the whole session."""
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def pgchurn_proc(pg_cluster: Cluster) -> Iterator[NoopExecutor]:
    """The server, with database `pgchurn_test_tmpl` migrated to head as the template."""
    executor = NoopExecutor(
        host="127.0.0.1", port=pg_cluster.port, user=SUPERUSER, options="", dbname="pgchurn_test"
    )
    janitor = DatabaseJanitor(
        user=executor.user,
        host=executor.host,
        port=executor.port,
        dbname=executor.template_dbname,
        as_template=True,
    )
    with janitor:
        janitor.load(migrate_to_head)
        yield executor


postgresql = factories.postgresql("pgchurn_proc")


@pytest.fixture
def db_url(request: pytest.FixtureRequest, postgresql: object, pgchurn_proc: NoopExecutor) -> str:
    """URL of this test's own database: a fresh copy of the migrated template.

    A freshly migrated profile has no business attributes. Tests marked `demo_profile` get the
    demo's telecom attributes, as `pgchurn seed` adds them.
    """
    p = pgchurn_proc
    url = url_for(p.host, p.port, p.user, p.dbname)
    if request.node.get_closest_marker("demo_profile"):
        from tests.db.helpers import install_demo_attributes

        install_demo_attributes(url)
    return url


@pytest.fixture
def conn(db_url: str) -> Iterator[PgConnection]:
    """A psycopg2 connection to this test's database (autocommit off)."""
    c = psycopg2.connect(db_url)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def empty_db_url(pg_cluster: Cluster) -> Iterator[str]:
    """URL of an empty database, never migrated: for migration round trips."""
    janitor = DatabaseJanitor(
        user=SUPERUSER, host="127.0.0.1", port=pg_cluster.port, dbname="pgchurn_empty"
    )
    with janitor:
        yield url_for("127.0.0.1", pg_cluster.port, SUPERUSER, "pgchurn_empty")


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """trained(kind, impute=True, seed=0) -> tests.trained.Trained, exported once per session."""
    from tests.trained import train_and_export

    cache: dict[tuple[str, bool, int], object] = {}
    out = tmp_path_factory.mktemp("pmml")

    def get(kind: str, *, impute: bool = True, seed: int = 0):
        key = (kind, impute, seed)
        if key not in cache:
            cache[key] = train_and_export(kind, out, impute=impute, seed=seed)
        return cache[key]

    return get
