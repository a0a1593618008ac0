"""A full dump of a database that holds data restores into a working copy (pg_dump -Fc, then
pg_restore): the same scores, and new complaints are scored."""

import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg2
import pytest

from pgchurn import migrate
from pgchurn.cluster import PG_BIN, SUPERUSER
from tests.db.helpers import activate, add_customer, install_demo_attributes, register

pytestmark = pytest.mark.demo_profile

SCORES = (
    "SELECT customer_id, complaints_total, last_complaint_at, churn_score, churn_model_id"
    " FROM churn.customer_score ORDER BY customer_id"
)
COMPLAINT = (
    "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
    " VALUES (%s, 'billing', 4, 'phone')"
)


def rows(url, query):
    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute(query)
        return cur.fetchall()


def test_a_full_dump_restores_into_a_working_database(pg_cluster, trained):
    source, copy = (f"dump_{k}_{uuid.uuid4().hex[:6]}" for k in ("src", "dst"))
    pg_cluster.create_database(source)
    pg_cluster.create_database(copy)
    src, dst = pg_cluster.database_url(source), pg_cluster.database_url(copy)
    migrate.upgrade(src)
    install_demo_attributes(src)
    with psycopg2.connect(src) as c, c.cursor() as cur:
        activate(cur, register(cur, trained("logistic").pmml, "lr"))
        for k in range(1, 6):
            add_customer(cur, k)
    with psycopg2.connect(src) as c, c.cursor() as cur:
        for k in (1, 1, 2, 3):
            cur.execute(COMPLAINT, (k,))
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o777)  # pg_dump runs as us; the file only has to be writable
    dump = folder / "pgchurn.dump"
    common = ["-h", "127.0.0.1", "-p", str(pg_cluster.port), "-U", SUPERUSER]
    for cmd in (
        [str(PG_BIN / "pg_dump"), *common, "-Fc", "-f", str(dump), source],
        [str(PG_BIN / "pg_restore"), *common, "--exit-on-error", "-d", copy, str(dump)],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr

    assert rows(dst, SCORES) == rows(src, SCORES)
    head = migrate.head_revision()
    assert rows(dst, "SELECT version_num FROM churn.pgchurn_alembic_version") == [(head,)]
    with psycopg2.connect(dst) as c, c.cursor() as cur:
        cur.execute(COMPLAINT, (4,))
    ((total, scored),) = rows(
        dst,
        "SELECT complaints_total, churn_score IS NOT NULL FROM churn.customer_score"
        " WHERE customer_id = 4",
    )
    assert (total, scored) == (1, True), "the restored copy scores new complaints"
