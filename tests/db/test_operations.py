"""Backups and restores a DBA runs (docs/operations.md), and downgrades that keep data and roles.

Each test dumps and loads with the real pg_dump, pg_restore and psql of the test cluster.
"""

import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg2
import pytest
from click.testing import CliRunner

from pgchurn import clone, migrate
from pgchurn.cli import main
from pgchurn.cluster import PG_BIN, SUPERUSER
from tests.db.helpers import activate, add_customer, install_demo_attributes, register

pytestmark = pytest.mark.demo_profile

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
COUNTERS = (
    "SELECT count(*), sum(complaints_total), sum(churn_score), count(churn_score)"
    " FROM churn.customer_score"
)
COMPLAINT = (
    "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
    " VALUES (%s, 'billing', 4, 'phone')"
)


def rows(url, query, params=None):
    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute(query, params)
        result = cur.fetchall() if cur.description else []
    c.close()
    return result


def run(*cmd):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False)


@pytest.fixture
def databases(pg_cluster):
    """new() -> (name, url) of an empty database, dropped after the test."""
    made = []

    def new(kind):
        name = f"ops_{kind}_{uuid.uuid4().hex[:6]}"
        pg_cluster.create_database(name)
        made.append(name)
        return name, pg_cluster.database_url(name)

    yield new
    c = psycopg2.connect(pg_cluster.database_url("postgres"))
    c.autocommit = True
    with c.cursor() as cur:
        for name in made:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    c.close()


@pytest.fixture
def tools(pg_cluster):
    """(pg_dump or pg_restore or psql, *args) -> CompletedProcess, as the superuser."""
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o777)
    common = ["-h", "127.0.0.1", "-p", str(pg_cluster.port), "-U", SUPERUSER]

    def tool(name, *args):
        return run(PG_BIN / name, *common, *args)

    tool.folder = folder
    return tool


@pytest.fixture
def source(databases, trained):
    """A migrated database holding an active model, 5 customers and 4 complaints."""
    name, url = databases("src")
    migrate.upgrade(url)
    install_demo_attributes(url)
    with psycopg2.connect(url) as c, c.cursor() as cur:
        activate(cur, register(cur, trained("logistic").pmml, "lr"))
        for k in range(1, 6):
            add_customer(cur, k, monthly_charges=40.0 + 10 * k)
    with psycopg2.connect(url) as c, c.cursor() as cur:
        for k in (1, 1, 2, 3):
            cur.execute(COMPLAINT, (k,))
    c.close()
    return name, url


@pytest.fixture
def app_login(pg_cluster):
    """A LOGIN member of pgchurn_app; url_in(url) logs into that database as it."""
    user = f"t_shop_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(pg_cluster.database_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE ROLE "{user}" LOGIN IN ROLE pgchurn_app')
    yield lambda url: url.replace(f"{SUPERUSER}@", f"{user}@")
    with admin.cursor() as cur:
        cur.execute(f'DROP ROLE "{user}"')
    admin.close()


def schema_only_copy(tools, databases, source_name):
    dump = tools.folder / "schema.dump"
    done = tools("pg_dump", "--schema-only", "-Fc", "-f", dump, source_name)
    assert done.returncode == 0, done.stderr
    name, url = databases("copy")
    done = tools("pg_restore", "--exit-on-error", "-d", name, dump)
    assert done.returncode == 0, done.stderr
    return name, url


def test_migrate_repairs_a_schema_only_clone_which_then_keeps_and_scores_complaints(
    source, tools, databases, trained, app_login
):
    _, src = source
    name, dst = schema_only_copy(tools, databases, source[0])
    assert migrate.current_revision(dst) is None, "a schema-only dump holds no version row"
    assert rows(dst, "SELECT count(*) FROM churn.plpython_module") == [(0,)]

    result = CliRunner().invoke(main, ["--database-url", dst, "migrate"])

    head = migrate.head_revision()
    assert result.exit_code == 0, result.output
    assert f"repaired a schema-only copy at revision {head}" in result.output
    assert migrate.current_revision(dst) == head
    for query in (
        "SELECT churn._code_version()",
        "SELECT name, value FROM churn.setting ORDER BY name",
        "SELECT role_kind, role_name FROM churn.role_binding ORDER BY 1",
    ):
        assert rows(dst, query) == rows(src, query), query
    assert not rows(dst, "SELECT 1 FROM pg_database WHERE datname LIKE 'pgchurn_repair_%'")
    # staging gets the model the documented way (pgchurn models register), and the app writes
    with psycopg2.connect(dst) as c, c.cursor() as cur:
        activate(cur, register(cur, trained("logistic").pmml, "lr"))
        add_customer(cur, 1, monthly_charges=50.0)
    c.close()
    shop = psycopg2.connect(app_login(dst))
    with shop, shop.cursor() as cur:
        cur.execute(COMPLAINT, (1,))
        cur.execute(COMPLAINT, (1,))
    shop.close()
    (copy_row,) = rows(dst, "SELECT complaints_total, churn_score FROM churn.customer_score")
    (source_row,) = rows(
        src, "SELECT complaints_total, churn_score FROM churn.customer_score WHERE customer_id = 1"
    )
    assert copy_row[0] == 2, "both complaints are kept and counted once"
    # scored seconds apart, and days_since_last_complaint moves with the clock (~1e-11 a second)
    assert copy_row[1] == pytest.approx(source_row[1], abs=1e-6), (
        "scored as the source scores the same profile and complaints with the same model"
    )


def test_migrate_refuses_a_schema_only_copy_of_an_unmarked_schema(databases):
    _, url = databases("old")
    migrate.upgrade(url, "0014")
    rows(url, "DELETE FROM public.pgchurn_alembic_version  -- at 0014 it is in public")
    result = CliRunner().invoke(main, ["--database-url", url, "migrate"])
    assert result.exit_code == 1
    assert "names no revision" in result.output and "docs/operations.md" in result.output


def test_head_schema_names_its_revision(db_url):
    (comment,) = rows(db_url, "SELECT obj_description('churn'::regnamespace, 'pg_namespace')")[0]
    found = clone.MARK.search(comment)
    assert found and found.group(1) == migrate.head_revision(), (
        "every revision from 0015 on calls schema_mark.mark(revision) in upgrade()"
    )


def test_only_the_installation_tables_hold_rows_after_migrating(db_url):
    tables = rows(
        db_url,
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'churn'::regnamespace"
        " AND c.relkind IN ('r', 'p') ORDER BY 1",
    )
    filled = {
        t
        for (t,) in tables
        if rows(db_url, f"SELECT EXISTS (SELECT 1 FROM churn.{t})")[0][0]  # noqa: S608
        and t != "installed_object"  # what this database's migrations created
        and t != "ignored_attribute"  # the DBA's choice (0011 made one): docs/operations.md
        and "alembic_version" not in t
    }
    assert filled == set(clone.INSTALLATION_TABLES), (
        "a schema-only copy is repaired by copying exactly these tables: add a new one to "
        "pgchurn.clone.INSTALLATION_TABLES"
    )


def test_a_plain_data_only_load_with_live_triggers_is_refused_at_the_first_row(
    source, tools, databases
):
    src_name, src = source
    name, dst = schema_only_copy(tools, databases, src_name)
    data = tools.folder / "data.sql"
    assert tools("pg_dump", "--data-only", "-f", data, src_name).returncode == 0

    stopped = tools("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", name, "-f", data)

    assert stopped.returncode == 3, "psql stops at the first error"
    first_error = next(line for line in stopped.stderr.splitlines() if "ERROR" in line)
    assert "churn.customer_profile: refused a data-only load with the triggers on" in first_error
    assert 'docs/operations.md, "Data-only load"' in stopped.stderr
    assert rows(dst, "SELECT count(*) FROM churn.customer_profile") == [(0,)]

    # without ON_ERROR_STOP, psql goes on and exits 0: both tables are refused, nothing doubled
    _, again = databases("again")
    again_name = again.rsplit("/", 1)[1]
    tools("pg_restore", "--exit-on-error", "-d", again_name, tools.folder / "schema.dump")
    going_on = tools("psql", "-X", "-q", "-d", again_name, "-f", data)
    assert going_on.returncode == 0
    assert going_on.stderr.count("refused a data-only load") == 2
    assert "churn.complaint: refused" in going_on.stderr
    assert rows(again, "SELECT count(*) FROM churn.complaint") == [(0,)]


def test_the_documented_data_only_load_restores_the_counters_unchanged(source, tools, databases):
    src_name, src = source
    name, dst = schema_only_copy(tools, databases, src_name)
    full = tools.folder / "full.dump"
    assert tools("pg_dump", "-Fc", "-f", full, src_name).returncode == 0
    done = tools(
        "pg_restore", "--exit-on-error", "--data-only", "--disable-triggers", "-d", name, full
    )
    assert done.returncode == 0, done.stderr
    assert rows(dst, COUNTERS) == rows(src, COUNTERS)
    assert rows(dst, COUNTERS)[0][1] == 4, "4 complaints, each counted once"
    assert migrate.current_revision(dst) == migrate.head_revision()


def test_docs_give_every_recipe_the_messages_name():
    text = DOCS.read_text(encoding="utf-8")
    for heading in ("Full backup", "Schema-only clone for staging", "Data-only load"):
        assert f"## {heading}" in text, heading
    assert "Major-version upgrade" in text


def test_a_downgrade_to_base_refuses_while_customers_exist(databases):
    _, url = databases("down")
    migrate.upgrade(url)
    install_demo_attributes(url)
    with psycopg2.connect(url) as c, c.cursor() as cur:
        add_customer(cur, 1)
    c.close()

    refused = CliRunner().invoke(main, ["--database-url", url, "migrate", "--down", "base"])

    assert refused.exit_code == 1
    assert "refused to downgrade to base" in refused.output
    assert "churn.customer_profile (1 rows)" in refused.output
    assert "pgchurn migrate --down base --drop-data" in refused.output
    assert "-x drop_data" not in refused.output, "a CLI user gets the CLI's syntax"
    assert migrate.current_revision(url) == migrate.head_revision(), "nothing was changed"
    with pytest.raises(Exception, match="alembic -x drop_data=yes downgrade base"):
        migrate.downgrade(url, "base")

    dropped = CliRunner().invoke(
        main, ["--database-url", url, "migrate", "--down", "base", "--drop-data"]
    )
    assert dropped.exit_code == 0, dropped.output
    assert migrate.current_revision(url) is None


def test_a_downgrade_keeps_a_role_it_created_while_the_role_has_members(databases):
    _, url = databases("roles")
    names = {f"{k}_role": f"rk_{k}_{uuid.uuid4().hex[:6]}" for k in ("app", "analyst", "deployer")}
    member = f"rk_login_{uuid.uuid4().hex[:6]}"
    migrate.upgrade(url, x=names)
    rows(url, f'CREATE ROLE "{member}" LOGIN IN ROLE "{names["app_role"]}"')

    wrong = CliRunner().invoke(main, ["--database-url", url, "migrate", "--down", "base"])
    assert wrong.exit_code == 1 and "binds a different" in wrong.output
    assert "PGCHURN_APP_ROLE=NAME pgchurn migrate --down" in wrong.output, wrong.output

    notices = migrate.downgrade(url, "base", x=names)

    try:
        left = rows(
            url, "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(names.values()),)
        )
        assert left == [(names["app_role"],)], "only the role with a member is kept"
        assert rows(
            url,
            "SELECT pg_has_role(%s, %s, 'MEMBER')",
            (member, names["app_role"]),
        ) == [(True,)], "the membership is intact"
        assert any(
            f"kept role {names['app_role']}: it still has members ({member})" in n for n in notices
        ), notices
    finally:
        rows(url, f'DROP ROLE "{member}"')
        rows(url, f'DROP ROLE IF EXISTS "{names["app_role"]}"')


def test_demo_refuses_a_database_that_is_not_the_local_cluster(db_url):
    result = CliRunner().invoke(main, ["--database-url", db_url, "demo"])
    assert result.exit_code == 1
    assert "is not the local demo cluster" in result.output
    assert "pgchurn demo --yes" in result.output
    assert rows(db_url, "SELECT count(*) FROM churn.customer_profile") == [(0,)]
    assert "REPLACES" in CliRunner().invoke(main, ["demo", "--help"]).output
