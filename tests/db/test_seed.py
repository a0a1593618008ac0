"""`pgchurn seed` against the real server: COPY, exact counters, trigger state, refusals."""

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from pgchurn import seed
from pgchurn.errors import PgchurnError
from pgchurn.seed import generator

NOW = datetime(2026, 11, 1, tzinfo=UTC)

COUNTER_MISMATCHES = """
SELECT count(*)
  FROM churn.customer_score p
  LEFT JOIN (SELECT customer_id, count(*) AS n, max(created_at) AS last
               FROM churn.complaint GROUP BY customer_id) c USING (customer_id)
 WHERE p.complaints_total <> coalesce(c.n, 0) OR p.last_complaint_at IS DISTINCT FROM c.last
"""
TRIGGER_STATE = """
SELECT tgenabled FROM pg_trigger
 WHERE tgrelid = 'churn.complaint'::regclass AND tgname = 'complaint_after_insert'
"""
FINGERPRINT = """
SELECT (SELECT md5(string_agg(p::text, E'\\n' ORDER BY customer_id)) FROM churn.customer_profile p),
       (SELECT md5(string_agg(c::text, E'\\n' ORDER BY complaint_id)) FROM churn.complaint c)
"""


def spec(customers=3000, **kw):
    return seed.SeedSpec(customers=customers, seed=5, now=NOW, chunk_size=1000, **kw)


def one(conn, query, params=()):
    with conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchone()


def count(conn, table):
    return one(conn, f"SELECT count(*) FROM churn.{table}")[0]


def test_seed_loads_every_row_with_exact_counters(db_url, conn):
    result = seed.seed_database(db_url, spec())
    assert (result.first_id, result.customers) == (1, 3000)
    assert count(conn, "customer_profile") == 3000
    assert count(conn, "complaint") == result.complaints > 3000
    assert (
        one(conn, "SELECT count(*) FROM churn.customer_profile WHERE churned_at IS NOT NULL")[0]
        == result.churned
    )
    assert one(conn, COUNTER_MISMATCHES)[0] == 0
    assert one(conn, "SELECT min(customer_id), max(customer_id) FROM churn.customer_profile") == (
        1,
        3000,
    )


def test_trigger_is_enabled_after_seeding_and_still_counts(db_url, conn):
    seed.seed_database(db_url, spec(customers=500))
    assert one(conn, TRIGGER_STATE) == ("O",)
    before = one(conn, "SELECT complaints_total FROM churn.customer_score WHERE customer_id = 7")
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO churn.complaint (customer_id, created_at, category, severity, channel) "
            "VALUES (7, %s, 'network', 2, 'chat')",
            (NOW,),
        )
    conn.commit()  # the counters are written at commit
    after = one(conn, "SELECT complaints_total FROM churn.customer_score WHERE customer_id = 7")
    assert after[0] == before[0] + 1


def test_tables_are_analyzed(db_url, conn):
    seed.seed_database(db_url, spec(customers=2000))
    rows = one(
        conn,
        "SELECT reltuples FROM pg_class WHERE oid = 'churn.customer_profile'::regclass",
    )
    assert rows[0] == 2000


def test_seeding_twice_with_the_same_seed_gives_identical_rows(db_url, conn):
    seed.seed_database(db_url, spec(customers=1500))
    first = one(conn, FINGERPRINT)
    conn.rollback()
    seed.seed_database(db_url, spec(customers=1500), replace=True)
    assert one(conn, FINGERPRINT) == first
    assert one(conn, "SELECT min(complaint_id) FROM churn.complaint") == (1,)


def test_existing_rows_are_refused_without_replace_or_append(db_url, conn):
    seed.seed_database(db_url, spec(customers=200))
    with pytest.raises(PgchurnError, match=r"already holds 200 customers; fix: add --replace"):
        seed.seed_database(db_url, spec(customers=200))
    assert count(conn, "customer_profile") == 200


def test_replace_empties_the_score_log_too(db_url, conn):
    seed.seed_database(db_url, spec(customers=200))
    with conn.cursor() as cur:
        cur.execute("INSERT INTO churn.model (name, pmml, pmml_sha256) VALUES ('m', '<x/>', %s)",
                    ("0" * 64,))  # fmt: skip
        cur.execute(
            "INSERT INTO churn.score_log (customer_id, model_id, score, features, triggered_by) "
            "SELECT 1, model_id, 0.5, '{}', 'manual' FROM churn.model"
        )
    conn.commit()
    seed.seed_database(db_url, spec(customers=100), replace=True)
    assert (count(conn, "customer_profile"), count(conn, "score_log")) == (100, 0)


def test_append_continues_after_the_highest_id(db_url, conn):
    seed.seed_database(db_url, spec(customers=300))
    result = seed.seed_database(db_url, spec(customers=200, population=seed.SHIFTED), append=True)
    assert result.first_id == 301
    assert one(conn, "SELECT count(*), max(customer_id) FROM churn.customer_profile") == (500, 500)
    assert one(conn, COUNTER_MISMATCHES)[0] == 0


def test_a_failure_midway_loads_nothing_and_leaves_the_trigger_enabled(db_url, conn, monkeypatch):
    real = seed.generate_chunk

    def failing(s, index):
        if index == 2:
            raise RuntimeError("generator broke")
        return real(s, index)

    monkeypatch.setattr(generator, "generate_chunk", failing)
    with pytest.raises(RuntimeError, match="generator broke"):
        seed.seed_database(db_url, spec(customers=3000))
    assert count(conn, "customer_profile") == 0
    assert count(conn, "complaint") == 0
    assert one(conn, TRIGGER_STATE) == ("O",)


def test_complaints_after_churn_are_billing_disputes(db_url, conn):
    seed.seed_database(db_url, spec())
    after = one(
        conn,
        "SELECT count(*), count(DISTINCT c.customer_id), array_agg(DISTINCT c.category) "
        "FROM churn.complaint c JOIN churn.customer_profile p USING (customer_id) "
        "WHERE c.created_at > p.churned_at",
    )
    assert after[0] > 0 and after[1] > 0 and after[2] == ["billing"]
    early = one(
        conn,
        "SELECT count(*) FROM churn.complaint c JOIN churn.customer_profile p USING (customer_id) "
        "WHERE c.created_at < (p.customer_since::timestamp AT TIME ZONE 'UTC') "
        "   OR c.created_at > %s",
        (NOW,),
    )
    assert early == (0,)


def test_unmigrated_database_names_the_fix(empty_db_url):
    with pytest.raises(PgchurnError, match="pgchurn migrate"):
        seed.seed_database(empty_db_url, spec(customers=10))


def test_command_prints_rows_and_rate(db_url, conn):
    result = CliRunner().invoke(
        seed.seed_command,
        ["--customers", "1200", "--seed", "3", "--now", "2026-11-01T00:00:00Z"],
        env={"PGCHURN_DATABASE_URL": db_url},
    )
    assert result.exit_code == 0, result.output
    assert "seeded customers 1..1,200" in result.output
    assert "complaints in" in result.output and "rows/s" in result.output
    assert count(conn, "customer_profile") == 1200


def test_refusal_is_one_line_through_the_pgchurn_command(db_url):
    from pgchurn.cli import main

    if "seed" not in main.commands:
        pytest.skip("seed is not registered in pgchurn.cli yet")
    args = ["--database-url", db_url, "seed", "--customers", "50", "--now", "2026-11-01"]
    assert CliRunner().invoke(main, args).exit_code == 0
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1
    errors = [line for line in again.output.splitlines() if "error" in line]
    assert len(errors) == 1 and "--replace" in errors[0] and "Traceback" not in again.output
