"""Alembic round trip: upgrade, downgrade, upgrade; downgrade removes ours and nothing else."""

import shutil
import subprocess

import psycopg2
import pytest

from pgchurn import migrate

FINGERPRINT = """
SELECT 'schema:' || nspname FROM pg_namespace
UNION ALL SELECT 'relation:' || n.nspname || '.' || c.relname || ':' || c.relkind::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND c.relname NOT LIKE 'pgchurn_alembic_version%%'
UNION ALL SELECT 'function:' || n.nspname || '.' || p.proname
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL SELECT 'extension:' || extname FROM pg_extension
UNION ALL SELECT 'language:' || lanname FROM pg_language
UNION ALL SELECT 'role:' || rolname FROM pg_roles
UNION ALL SELECT 'trigger:' || tgname FROM pg_trigger WHERE NOT tgisinternal
"""


def fingerprint(url: str) -> set[str]:
    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute(FINGERPRINT)
        return {r[0] for r in cur.fetchall()}


def run(url: str, *statements: str) -> None:
    with psycopg2.connect(url) as c, c.cursor() as cur:
        for s in statements:
            cur.execute(s)


def test_upgrade_downgrade_upgrade_round_trip(empty_db_url):
    run(
        empty_db_url,
        "CREATE SCHEMA app",
        "CREATE TABLE app.orders (id int PRIMARY KEY)",
        "CREATE FUNCTION public.keep_me() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    )
    before = fingerprint(empty_db_url)

    migrate.upgrade(empty_db_url)
    installed = fingerprint(empty_db_url) - before
    assert {"schema:churn", "extension:plpython3u", "relation:churn.complaint:r"} <= installed
    assert migrate.current_revision(empty_db_url) == migrate.head_revision()

    migrate.downgrade(empty_db_url, "base")
    assert fingerprint(empty_db_url) == before, "downgrade must remove exactly what upgrade added"
    assert migrate.current_revision(empty_db_url) is None

    migrate.upgrade(empty_db_url)
    run(
        empty_db_url,
        "INSERT INTO churn.customer_profile (customer_id) VALUES (1)",
        "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
        " VALUES (1, 'billing', 2, 'chat')",
    )
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT complaints_total FROM churn.customer_score WHERE customer_id = 1")
        assert cur.fetchone() == (1,), "after a second upgrade the trigger works again"


def test_downgrade_keeps_a_plpython3u_it_did_not_create(empty_db_url):
    run(empty_db_url, "CREATE EXTENSION plpython3u")
    migrate.upgrade(empty_db_url)
    migrate.downgrade(empty_db_url, "base")
    assert "extension:plpython3u" in fingerprint(empty_db_url)


def test_downgrade_refuses_to_drop_objects_a_user_built_on_ours(empty_db_url):
    migrate.upgrade(empty_db_url)
    run(
        empty_db_url,
        "CREATE VIEW public.my_report AS SELECT customer_id FROM churn.customer_profile",
    )
    with pytest.raises(Exception, match="my_report"):
        migrate.downgrade(empty_db_url, "base")
    assert migrate.current_revision(empty_db_url) == migrate.head_revision()


def test_offline_sql_is_a_reviewable_script(empty_db_url):
    """The whole history from base, in one transaction, without touching the database."""
    script = migrate.offline_sql(empty_db_url)
    assert "CREATE SCHEMA churn;" in script
    assert "CREATE TABLE churn.complaint" in script
    assert "INSERT INTO churn.plpython_module" in script
    assert script.rstrip().endswith("COMMIT;")
    assert migrate.current_revision(empty_db_url) is None, "--sql must not touch the database"


CATALOG = """
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '
       || md5(pg_get_functiondef(p.oid)) || ' ' || coalesce(p.proacl::text, '')
  FROM pg_proc p WHERE p.pronamespace = 'churn'::regnamespace AND p.prokind <> 'a'
UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'churn'::regnamespace
UNION ALL SELECT attrelid::regclass || '.' || attname || ' ' || format_type(atttypid, atttypmod)
  FROM pg_attribute
 WHERE attrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'churn'::regnamespace)
   AND attnum > 0 AND NOT attisdropped
UNION ALL SELECT relnamespace::regnamespace || '.' || relname || ' ' || relkind::text || ' '
       || coalesce(relacl::text, '')
  FROM pg_class WHERE relnamespace IN ('churn'::regnamespace, 'public'::regnamespace)
UNION ALL SELECT tgname || ' ' || md5(pg_get_triggerdef(oid)) FROM pg_trigger
 WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class
                                         WHERE relnamespace = 'churn'::regnamespace)
UNION ALL SELECT module_path || ' ' || source_sha256 FROM churn.plpython_module
UNION ALL SELECT name || ' ' || value FROM churn.setting
"""
PG_BIN = "/usr/lib/postgresql/15/bin"
PSQL = shutil.which("psql") or f"{PG_BIN}/psql"
PG_DUMP = shutil.which("pg_dump") or f"{PG_BIN}/pg_dump"


def apply_with_psql(url: str, script: str) -> None:
    """Run a script the way a DBA does: psql -v ON_ERROR_STOP=1 -f script.sql."""
    assert "%%" not in script
    done = subprocess.run(
        [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
        input=script, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def schema_dump(url: str) -> list[str]:
    """`pg_dump --schema-only -n churn`, without its version banner and \\restrict keys."""
    out = subprocess.run(
        [PG_DUMP, "--schema-only", "-n", "churn", "-d", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    drop = ("-- Dumped from", "-- Dumped by", "\\restrict", "\\unrestrict")
    return [line for line in out.splitlines() if not line.startswith(drop)]


def built(url: str) -> dict[str, object]:
    """What a migration built: catalog, schema dump, installed code (in the catalog), revision."""
    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute(CATALOG)
        catalog = sorted(r[0] for r in cur.fetchall())
        cur.execute("SELECT module_path, source FROM churn.plpython_module ORDER BY 1")
        modules = cur.fetchall()
    c.close()
    return {
        "catalog": catalog,
        "dump": schema_dump(url),
        "modules": modules,
        "revision": migrate.current_revision(url),
    }


@pytest.fixture
def online_db_url(pg_cluster):
    """A second empty database, for the online migration an offline script is compared with."""
    pg_cluster.create_database("pgchurn_online")
    yield pg_cluster.database_url("pgchurn_online")
    admin = psycopg2.connect(pg_cluster.database_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS pgchurn_online")
    admin.close()


def test_the_offline_script_applied_with_psql_builds_what_the_migrations_build(
    empty_db_url, online_db_url
):
    """`pgchurn migrate --sql | psql` is what a DBA runs: no doubled %, the same schema."""
    apply_with_psql(empty_db_url, migrate.offline_sql(empty_db_url))
    migrate.upgrade(online_db_url)
    offline, online = built(empty_db_url), built(online_db_url)
    assert len(offline["catalog"]) > 400 and len(offline["dump"]) > 1000
    assert offline["revision"] == migrate.head_revision()
    assert offline == online


def test_a_range_script_applied_with_psql_upgrades_like_the_migrations(empty_db_url, online_db_url):
    """`--sql --from 0011` on a database at 0011: the version table moves to churn on the way."""
    migrate.upgrade(empty_db_url, "0011")
    script = migrate.offline_sql(empty_db_url, start="0011")
    assert "Running upgrade 0010 -> 0011" not in script
    assert "CREATE TABLE public.pgchurn_alembic_version" not in script
    assert "ALTER TABLE IF EXISTS public.pgchurn_alembic_version SET SCHEMA churn;" in script
    apply_with_psql(empty_db_url, script)
    migrate.upgrade(online_db_url)
    assert built(empty_db_url) == built(online_db_url)


def test_a_downgrade_script_applied_with_psql_downgrades_like_the_migrations(
    empty_db_url, online_db_url
):
    """`--down 0011 --sql` is a downgrade script (not the upgrade), from head by default."""
    migrate.upgrade(empty_db_url)
    script = migrate.offline_sql(empty_db_url, "0011", down=True)
    assert "Running downgrade 0012 -> 0011" in script and "Running upgrade" not in script
    assert script == migrate.offline_sql(empty_db_url, "0011", start="head", down=True)
    apply_with_psql(empty_db_url, script)
    migrate.upgrade(online_db_url)
    migrate.downgrade(online_db_url, "0011")
    offline, online = built(empty_db_url), built(online_db_url)
    assert offline["revision"] == "0011"
    assert offline == online


DEMO_ROW = (
    "INSERT INTO churn.customer_profile (customer_id, customer_since, tenure_months,"
    " contract_type, monthly_charges, payment_method, internet_service, streaming_tv)"
    " VALUES (%s, '2024-03-01', 99, 'two-year', 55.5, 'credit-card', 'dsl', true)"
)


def test_0011_keeps_the_attributes_of_a_database_that_holds_customers_and_downgrades(empty_db_url):
    """0010 -> 0011 -> 0010 -> 0011 on a database with customers and a column of the company's."""
    migrate.upgrade(empty_db_url, "0010")
    run(
        empty_db_url,
        "ALTER TABLE churn.customer_profile ADD COLUMN region text",
        DEMO_ROW.replace("%s", "1"),
        "UPDATE churn.customer_profile SET region = 'Nord-Ouest' WHERE customer_id = 1",
        "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
        " VALUES (1, 'network', 4, 'phone')",
    )
    migrate.upgrade(empty_db_url, "0011")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT attributes, tenure_months FROM churn.feature_frame(now())")
        attributes, tenure = cur.fetchone()
        # the demo's columns stay, with their values, as the company's; the decoy is gone
        assert attributes["contract_type"] == "two-year" and attributes["region"] == "Nord-Ouest"
        assert attributes["streaming_tv"] is True and "tenure_months" not in attributes
        # total_charges stays out of training, as 0010's code kept it out
        assert "total_charges" not in attributes
        cur.execute("SELECT column_name FROM churn.ignored_attribute")
        assert cur.fetchall() == [("total_charges",)]
        assert tenure != 99
        cur.execute("SELECT complaints_total FROM churn.customer_score")
        assert cur.fetchone() == (1,)
        # a customer added at 0011 with only some attributes (the demo's NOT NULLs were kept)
        cur.execute(
            "INSERT INTO churn.customer_profile (customer_id, contract_type, monthly_charges,"
            " payment_method, internet_service) VALUES (2, 'one-year', 20, 'credit-card', 'dsl')"
        )
    migrate.downgrade(empty_db_url, "0010")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute(
            "SELECT customer_id, tenure_months, contract_type, region"
            " FROM churn.customer_profile ORDER BY 1"
        )
        assert cur.fetchall() == [(1, 0, "two-year", "Nord-Ouest"), (2, 0, "one-year", None)]
        cur.execute("SELECT contract_type FROM churn.feature_frame(now()) ORDER BY customer_id")
        assert cur.fetchall() == [("two-year",), ("one-year",)]
    run(
        empty_db_url,
        "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
        " VALUES (2, 'billing', 2, 'chat')",
    )
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT complaints_total FROM churn.customer_score ORDER BY customer_id")
        assert cur.fetchall() == [(1,), (1,)]
    migrate.upgrade(empty_db_url)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.feature_frame(now())")
        assert cur.fetchone() == (2,)


def test_0011_downgrades_a_database_of_customers_without_the_demo_attributes(empty_db_url):
    migrate.upgrade(empty_db_url)
    run(
        empty_db_url,
        "ALTER TABLE churn.customer_profile ADD COLUMN plan text",
        "INSERT INTO churn.customer_profile (customer_id, plan) VALUES (7, 'Gold Plus')",
        "INSERT INTO churn.ignored_attribute VALUES ('plan', 'kept out for the test')",
        "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
        " VALUES (7, 'Stale bread', 4, 'Front desk')",
    )
    migrate.downgrade(empty_db_url, "0010")
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        # 0010's columns are back, empty where 0010 wanted a value: nothing is invented
        cur.execute(
            "SELECT customer_id, plan, contract_type, monthly_charges, tenure_months, streaming_tv"
            " FROM churn.customer_profile"
        )
        assert cur.fetchall() == [(7, "Gold Plus", None, None, 0, False)]
        cur.execute("SELECT count(*) FROM churn.feature_frame(now())")
        assert cur.fetchone() == (1,)
        # the company's complaint words are kept; 0010's lists apply to new rows only
        cur.execute("SELECT category, channel FROM churn.complaint")
        assert cur.fetchall() == [("Stale bread", "Front desk")]
        cur.execute(
            "SELECT conname, convalidated FROM pg_constraint"
            " WHERE conname IN ('complaint_category_is_known', 'complaint_channel_is_known')"
            " ORDER BY 1"
        )
        assert cur.fetchall() == [
            ("complaint_category_is_known", False),
            ("complaint_channel_is_known", False),
        ]
    migrate.upgrade(empty_db_url)
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        # the profile held a customer, so the demo's columns stay (now the company's)
        cur.execute("SELECT count(*) FROM churn.profile_attribute WHERE kind IS NOT NULL")
        assert cur.fetchone()[0] >= 14
