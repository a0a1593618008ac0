"""Nothing of pgchurn in `public`: the version table lives in churn, and 0015 moves it there."""

import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg2
import pytest

from pgchurn import migrate

WHERE = """
SELECT n.nspname, coalesce(array_to_string(c.relacl, ','), '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname = 'pgchurn_alembic_version'
"""
GRANTEES = """
SELECT grantee, privilege_type FROM information_schema.role_table_grants
 WHERE table_name = 'pgchurn_alembic_version' AND grantee LIKE 'pgchurn\\_%'
 ORDER BY 1, 2
"""
IN_PUBLIC = """
SELECT 'relation ' || relname FROM pg_class WHERE relnamespace = 'public'::regnamespace
UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace
"""
READERS = [("pgchurn_analyst", "SELECT"), ("pgchurn_deployer", "SELECT")]


def rows(url: str, query: str) -> list[tuple]:
    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute(query)
        found = cur.fetchall()
    c.close()
    return found


def schema_of_version_table(url: str) -> list[str]:
    return [schema for schema, _ in rows(url, WHERE)]


def test_a_fresh_installation_puts_nothing_in_public(empty_db_url):
    migrate.upgrade(empty_db_url)
    assert schema_of_version_table(empty_db_url) == ["churn"]
    assert rows(empty_db_url, IN_PUBLIC) == []
    assert rows(empty_db_url, GRANTEES) == READERS
    assert migrate.current_revision(empty_db_url) == migrate.head_revision()


@pytest.mark.parametrize("start", ["0005", "0014"])
def test_an_older_installation_moves_the_version_table_with_its_grants(empty_db_url, start):
    migrate.upgrade(empty_db_url, start)
    assert schema_of_version_table(empty_db_url) == ["public"]
    grants = rows(empty_db_url, GRANTEES)
    assert grants == (READERS if start >= "0011" else [])

    migrate.upgrade(empty_db_url)
    assert schema_of_version_table(empty_db_url) == ["churn"]
    assert rows(empty_db_url, GRANTEES) == READERS
    assert migrate.current_revision(empty_db_url) == migrate.head_revision()

    migrate.downgrade(empty_db_url, start)
    assert schema_of_version_table(empty_db_url) == ["public"]
    assert rows(empty_db_url, GRANTEES) == grants
    assert migrate.current_revision(empty_db_url) == start


def test_the_analyst_and_the_deployer_read_the_revision(db_url, login_as):
    """The CLI checks the revision before every command, as the login that runs it."""
    for role in ("pgchurn_analyst", "pgchurn_deployer"):
        user = login_as(role).info.user
        as_login = db_url.replace("postgres@", f"{user}@")
        assert migrate.current_revision(as_login) == migrate.head_revision()


HOST_ENV = '''
"""A host application's Alembic environment: its own model, in public, compared by autogenerate."""
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context

fileConfig(context.config.config_file_name)  # as alembic's template: INFO lines on stderr
metadata = sa.MetaData()
sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("total", sa.Numeric(10, 2), nullable=False),
)

engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=sa.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
'''


def autogenerate(project: Path, message: str) -> tuple[str, str]:
    """Run the host's `alembic revision --autogenerate`; (what it printed, the revision file)."""
    ini = project / "alembic.ini"
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ini), "revision", "--autogenerate",
         "-m", message],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (generated,) = (project / "migrations" / "versions").glob(f"*_{message}.py")
    return done.stdout + done.stderr, generated.read_text()


@pytest.fixture
def host_project(tmp_path: Path, empty_db_url: str) -> Path:
    """A small host Alembic project (alembic init, its own env.py) aimed at the test database."""
    subprocess.run(
        [sys.executable, "-m", "alembic", "init", str(tmp_path / "migrations")],
        cwd=tmp_path, capture_output=True, check=True,
    )  # fmt: skip
    ini = tmp_path / "alembic.ini"
    ini.write_text(ini.read_text().replace("driver://user:pass@localhost/dbname", empty_db_url))
    (tmp_path / "migrations" / "env.py").write_text(textwrap.dedent(HOST_ENV))
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(
            "CREATE TABLE public.orders (id serial PRIMARY KEY, total numeric(10,2) NOT NULL)"
        )
    c.close()
    return tmp_path


def test_a_host_projects_autogenerate_proposes_nothing_about_pgchurn(host_project, empty_db_url):
    migrate.upgrade(empty_db_url, "0014")  # the version table still in public
    printed, revision = autogenerate(host_project, "before")
    assert "op.drop_table('pgchurn_alembic_version')" in revision, "the control must see it"
    assert "Detected removed table 'pgchurn_alembic_version'" in printed
    next((host_project / "migrations" / "versions").glob("*_before.py")).unlink()

    migrate.upgrade(empty_db_url)
    printed, revision = autogenerate(host_project, "after")
    print(printed, revision, sep="\n")
    assert "pgchurn" not in printed + revision
    assert "op." not in revision, "the host's model matches its table: nothing to propose"
