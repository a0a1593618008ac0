"""sql/ is the one current definition: a schema built from sql/ alone equals the migrated one.

The test database is migrated to head through every revision. Here a second, empty database
gets only what sql/ says, file by file (types, functions, tables, views, triggers, as pg_dump
orders them: function bodies are not checked at creation), with the PL/Python package rows the
migrations install, and the two catalogs of schema churn must match: tables, columns, types,
constraints, indexes, views, functions, triggers, comments and the settings' defaults.
If this fails, a revision changed an object that sql/ still shows as it was: write the
object's current definition into its sql/ file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg2
import pytest

from pgchurn import codebundle, migrate

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "migrations"))
import schema_mark  # noqa: E402

sys.path.remove(str(ROOT / "migrations"))
FOLDERS = ("types/", "functions/", "tables/", "views/", "triggers/")

# What revision 0001 creates around sql/: the extension and the schema, whose comment names
# the revision (migrations/schema_mark.py). The table of what the migrations created outside
# the schema is sql/tables/000_installed_object.sql.
SCHEMA_COMMENT = schema_mark.MARKED.format(revision=migrate.head_revision())
PREAMBLE = f"""
SET check_function_bodies = off;
CREATE EXTENSION IF NOT EXISTS plpython3u;
CREATE SCHEMA churn;
COMMENT ON SCHEMA churn IS '{SCHEMA_COMMENT.replace("'", "''")}';
"""
ROLES = ("pgchurn_app", "pgchurn_analyst", "pgchurn_deployer")
# Alembic's own bookkeeping, wherever it lives: the migrations' record, not pgchurn's schema.
NOT_FROM_SQL = ("alembic_version",)

CATALOG = {
    "relations": """
        SELECT c.relname, c.relkind::text, c.relpersistence::text
          FROM pg_class c WHERE c.relnamespace = 'churn'::regnamespace
           AND c.relkind IN ('r', 'v', 'm', 'c', 'S', 'p')
    """,
    "columns": """
        SELECT c.relname, row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum), a.attname,
               format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity::text,
               a.attgenerated::text, pg_get_expr(d.adbin, d.adrelid)
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relnamespace = 'churn'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
           AND c.relkind IN ('r', 'v', 'm', 'c', 'p')
    """,
    "types": """
        SELECT t.typname, t.typtype::text,
               (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                  FROM pg_enum e WHERE e.enumtypid = t.oid)
          FROM pg_type t WHERE t.typnamespace = 'churn'::regnamespace
           AND t.typtype IN ('e', 'd', 'c')
           AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
    """,
    "constraints": """
        SELECT c.conrelid::regclass::text, c.conname, c.contype::text,
               pg_get_constraintdef(c.oid), c.condeferrable
          FROM pg_constraint c WHERE c.connamespace = 'churn'::regnamespace
    """,
    "indexes": """
        SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'churn'
    """,
    "views": """
        SELECT c.relname, pg_get_viewdef(c.oid)
          FROM pg_class c WHERE c.relnamespace = 'churn'::regnamespace AND c.relkind = 'v'
    """,
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid),
               pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
               l.lanname, p.prokind::text, p.prosecdef, p.provolatile::text,
               p.proparallel::text, p.proisstrict, p.proconfig::text, p.prosrc
          FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
         WHERE p.pronamespace = 'churn'::regnamespace
    """,
    "triggers": """
        SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = 'churn'::regnamespace AND NOT t.tgisinternal
    """,
    "comments": """
        SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
          FROM pg_description d
         WHERE (d.classoid = 'pg_class'::regclass
                AND d.objoid IN (SELECT oid FROM pg_class
                                  WHERE relnamespace = 'churn'::regnamespace))
            OR (d.classoid = 'pg_proc'::regclass
                AND d.objoid IN (SELECT oid FROM pg_proc
                                  WHERE pronamespace = 'churn'::regnamespace))
            OR (d.classoid = 'pg_type'::regclass
                AND d.objoid IN (SELECT oid FROM pg_type
                                  WHERE typnamespace = 'churn'::regnamespace))
            OR (d.classoid = 'pg_trigger'::regclass
                AND d.objoid IN (SELECT t.oid FROM pg_trigger t JOIN pg_class c
                                     ON c.oid = t.tgrelid
                                  WHERE c.relnamespace = 'churn'::regnamespace))
            OR (d.classoid = 'pg_constraint'::regclass
                AND d.objoid IN (SELECT oid FROM pg_constraint
                                  WHERE connamespace = 'churn'::regnamespace))
            OR (d.classoid = 'pg_namespace'::regclass
                AND d.objoid = 'churn'::regnamespace)
    """,
    # Not catalog, but part of the schema: every setting, its default and description.
    "settings": "SELECT name, value, description FROM churn.setting",
}


def catalog(url: str) -> dict[str, set[tuple[object, ...]]]:
    """Schema churn's catalog, by kind of object: sets of rows that name no OID."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            found = {}
            for kind, query in CATALOG.items():
                cur.execute(query)
                found[kind] = {
                    row for row in cur.fetchall() if not any(n in str(row) for n in NOT_FROM_SQL)
                }
            return found
    finally:
        conn.close()


def build_from_sql(url: str) -> None:
    """Schema churn from sql/ alone, in folder order, with the current package's rows."""
    bundle = codebundle.current_bundle(ROOT)
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for role in ROLES:  # cluster-wide: made by the template's migration already
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE ROLE "{role}" NOLOGIN')
            cur.execute(PREAMBLE)
            for folder in FOLDERS:
                for rel in sorted(r for r in bundle.sql if r.startswith(folder)):
                    try:
                        cur.execute(bundle.sql[rel])
                    except psycopg2.Error as exc:
                        pytest.fail(f"sql/{rel} does not run on a schema built from sql/: {exc}")
                if folder == "tables/":
                    cur.executemany(
                        "INSERT INTO churn.plpython_module (module_path, source, source_sha256)"
                        " VALUES (%s, %s, encode(sha256(convert_to(%s, 'UTF8')), 'hex'))",
                        [(p, s, s) for p, s in sorted(bundle.modules.items())],
                    )
    finally:
        conn.close()


def test_a_schema_built_from_sql_alone_equals_the_migrated_schema(db_url, empty_db_url):
    build_from_sql(empty_db_url)
    migrated, from_sql = catalog(db_url), catalog(empty_db_url)
    differences = {
        kind: {
            "only migrated": sorted(map(str, migrated[kind] - from_sql[kind])),
            "only sql/": sorted(map(str, from_sql[kind] - migrated[kind])),
        }
        for kind in CATALOG
        if migrated[kind] != from_sql[kind]
    }
    assert not differences, differences
    assert len(migrated["functions"]) > 50 and len(migrated["comments"]) > 200
