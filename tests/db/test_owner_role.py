"""Revision 0015: a NOLOGIN role owns pgchurn's objects, so definers run without superuser rights."""

import uuid

import psycopg2
import pytest

from pgchurn import migrate

# Alembic's version table (in churn since 0015) stays the installer's, with its primary key
# index and its row types.
OWNERS = """
SELECT 'function ' || p.oid::regprocedure, p.proowner::regrole::text
  FROM pg_proc p WHERE p.pronamespace = 'churn'::regnamespace
UNION ALL
SELECT 'relation ' || c.oid::regclass, c.relowner::regrole::text
  FROM pg_class c
 WHERE c.relnamespace = 'churn'::regnamespace
   AND c.relname NOT IN ('pgchurn_alembic_version', 'pgchurn_alembic_version_pkc')
UNION ALL
SELECT 'type ' || t.oid::regtype, t.typowner::regrole::text
  FROM pg_type t WHERE t.typnamespace = 'churn'::regnamespace
   AND t.typname NOT IN ('pgchurn_alembic_version', '_pgchurn_alembic_version')
"""


def owners(cur):
    cur.execute(OWNERS)
    return dict(cur.fetchall())


def test_every_churn_object_is_owned_by_the_nologin_owner(conn):
    with conn.cursor() as cur:
        found = owners(cur)
        cur.execute(
            "SELECT rolcanlogin, rolsuper, rolcreaterole, rolbypassrls FROM pg_roles"
            " WHERE rolname = 'pgchurn_owner'"
        )
        assert cur.fetchone() == (False, False, False, False)
        cur.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'churn'")
        (schema_owner,) = cur.fetchone()
        cur.execute(
            "SELECT count(*) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
            " WHERE p.pronamespace = 'churn'::regnamespace AND l.lanname = 'plpython3u'"
            " AND p.proowner = 'pgchurn_owner'::regrole"
        )
        (plpython_owned,) = cur.fetchone()
    assert len(found) > 100
    assert {k: v for k, v in found.items() if v != "pgchurn_owner"} == {}
    assert plpython_owned >= 10  # PostgreSQL 15 lets a superuser hand them to a non-superuser
    assert schema_owner == "postgres"  # the installer keeps the schema, and CREATE in it


def test_a_plpython_definer_owned_by_the_owner_runs_sql_as_the_owner(conn, login_as):
    """What PostgreSQL does with an untrusted-language definer that a non-superuser owns.

    Its SQL (plpy.execute) runs as the owner: a superuser-only catalog is refused. Its Python
    still runs in the server process, as the server's OS user: untrusted means that.
    """
    body = (
        "import os\n"
        "who = plpy.execute('SELECT current_user AS u, session_user AS s')[0]\n"
        "try:\n"
        "    plpy.execute('SELECT rolpassword FROM pg_catalog.pg_authid LIMIT 1')\n"
        "    authid = 'read'\n"
        "except plpy.SPIError as exc:\n"
        "    authid = str(exc).splitlines()[0]\n"
        "return [who['u'], who['s'], authid, str(os.path.exists('PG_VERSION'))]"
    )
    with conn.cursor() as cur:
        cur.execute(
            "CREATE FUNCTION churn.t_whoami() RETURNS text[] LANGUAGE plpython3u SECURITY DEFINER"
            f" SET search_path = pg_catalog, churn, pg_temp AS $py${body}$py$"
        )
        cur.execute("ALTER FUNCTION churn.t_whoami() OWNER TO pgchurn_owner")
        cur.execute("GRANT EXECUTE ON FUNCTION churn.t_whoami() TO pgchurn_deployer")
    conn.commit()
    c = login_as("pgchurn_deployer")
    with c.cursor() as cur:
        cur.execute("SELECT churn.t_whoami()")
        current, session, authid, os_file = cur.fetchone()[0]
    assert current == "pgchurn_owner" and session.startswith("t_deployer_")
    assert authid == "permission denied for table pg_authid"
    assert os_file == "True"  # the data directory, read by the OS user, whoever owns the function


def _role_exists(cur, name):
    cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (name,))
    return cur.fetchone()[0] == 1


@pytest.mark.slow
def test_configured_owner_is_created_and_downgrade_restores_0014_ownership(empty_db_url):
    owner = f"t_owner_{uuid.uuid4().hex[:8]}"
    x = {"owner_role": owner}
    migrate.upgrade(empty_db_url, x=x)
    c = psycopg2.connect(empty_db_url)
    c.autocommit = True
    try:
        with c.cursor() as cur:
            assert set(owners(cur).values()) == {owner}
            migrate.downgrade(empty_db_url, "0014", x=x)
            assert set(owners(cur).values()) == {"postgres"}  # as revision 0014 left them
            assert not _role_exists(cur, owner)  # created by 0015, no members: dropped
            cur.execute(
                "SELECT count(*) FROM churn.installed_object WHERE object_name = %s", (owner,)
            )
            assert cur.fetchone() == (0,)
            migrate.upgrade(empty_db_url, x=x)
            assert set(owners(cur).values()) == {owner}
            cur.execute(f'CREATE ROLE "{owner}_member" LOGIN IN ROLE "{owner}"')
            migrate.downgrade(empty_db_url, "0014", x=x)
            assert _role_exists(cur, owner)  # it has a member: kept
            assert set(owners(cur).values()) == {"postgres"}
            cur.execute(f'DROP ROLE "{owner}_member"')
            cur.execute(f'DROP ROLE "{owner}"')
            migrate.downgrade(empty_db_url, "base")
    finally:
        c.close()


@pytest.mark.slow
def test_downgrade_keeps_an_owner_role_it_did_not_create(empty_db_url):
    owner = f"t_owner_{uuid.uuid4().hex[:8]}"
    c = psycopg2.connect(empty_db_url)
    c.autocommit = True
    try:
        with c.cursor() as cur:
            cur.execute(f'CREATE ROLE "{owner}" NOLOGIN')
            migrate.upgrade(empty_db_url, x={"owner_role": owner})
            assert set(owners(cur).values()) == {owner}
            migrate.downgrade(empty_db_url, "0014", x={"owner_role": owner})
            assert _role_exists(cur, owner)
            assert set(owners(cur).values()) == {"postgres"}
            migrate.downgrade(empty_db_url, "base")
            cur.execute(f'DROP ROLE "{owner}"')
    finally:
        c.close()
