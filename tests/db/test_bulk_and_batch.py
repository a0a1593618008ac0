"""Bulk loads take the statement path; batch rescoring commits per batch and resumes."""

import io
import threading
import time

import psycopg2
import pytest

from tests.db.helpers import DEFAULTS, activate, add_customer, profile, register, score_now

pytestmark = pytest.mark.demo_profile

SCORED = "churn_score, complaints_total, last_complaint_at, complaints_30d, complaints_90d, severe_complaints_90d"
ROWS = [  # (customer offset, days ago, severity, category)
    (0, 3, 5, "billing"), (0, 40, 2, "network"), (0, 1, 4, "service"),
    (1, 100, 1, "other"), (2, 0, 3, "device"), (2, 20, 5, "contract"),
]  # fmt: skip


@pytest.fixture
def active_gbdt(conn, trained):
    with conn.cursor() as cur:
        model_id = register(cur, trained("gbdt").pmml, "gbdt")
        activate(cur, model_id)
    conn.commit()
    return model_id


def customers(cur, base):
    for k in range(3):
        add_customer(cur, base + k, monthly_charges=50.0 + 20 * k, contract_type="month-to-month")


def state(cur, base):
    cur.execute(
        f"SELECT {SCORED} FROM churn.customer_score WHERE customer_id BETWEEN %s AND %s"
        " ORDER BY customer_id",
        (base, base + 2),
    )
    return cur.fetchall()


def insert_sql(base, rows):
    values = ", ".join(
        f"({base + k}, now() - interval '{d} days', '{c}', {s}, 'phone')" for k, d, s, c in rows
    )
    return f"INSERT INTO churn.complaint (customer_id, created_at, category, severity, channel) VALUES {values}"


def test_multi_row_insert_equals_one_by_one(conn, active_gbdt):
    with conn.cursor() as cur:
        customers(cur, 100)
        customers(cur, 200)
        cur.execute(insert_sql(100, ROWS))  # one statement
        for row in ROWS:  # one statement per row
            cur.execute(insert_sql(200, [row]))
        score_now(cur)  # both customers' groups in one rescoring, as at commit
        assert state(cur, 100) == state(cur, 200)
        cur.execute(
            "SELECT customer_id, count(*) FROM churn.score_log WHERE customer_id < 200"
            " GROUP BY 1 ORDER BY 1"
        )
        assert cur.fetchall() == [(100, 1), (101, 1), (102, 1)], "one score per customer"


def test_copy_takes_the_statement_path(conn, active_gbdt):
    with conn.cursor() as cur:
        customers(cur, 300)
        customers(cur, 400)
        buf = io.StringIO()
        for k, d, s, c in ROWS:
            cur.execute("SELECT now() - make_interval(days => %s)", (d,))
            buf.write(f"{300 + k}\t{cur.fetchone()[0].isoformat()}\t{c}\t{s}\tphone\n")
        buf.seek(0)
        cur.copy_expert(
            "COPY churn.complaint (customer_id, created_at, category, severity, channel) FROM STDIN",
            buf,
        )
        for row in ROWS:
            cur.execute(insert_sql(400, [row]))
        score_now(cur)
        assert state(cur, 300) == state(cur, 400)
        cur.execute("SELECT count(*) FROM churn.score_log WHERE customer_id BETWEEN 300 AND 302")
        assert cur.fetchone() == (3,)


def test_rescore_all_scores_every_profile_in_committed_batches(conn, db_url, active_gbdt):
    with conn.cursor() as cur:
        for k in range(1, 26):
            add_customer(cur, k, monthly_charges=20.0 + k)
    conn.commit()
    batch = psycopg2.connect(db_url)
    batch.autocommit = True
    try:
        with batch.cursor() as cur:
            cur.execute("CALL churn.rescore_all(10)")
    finally:
        batch.close()
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM churn.customer_score WHERE churn_model_id = %s", (active_gbdt,)
        )
        assert cur.fetchone() == (25,)
        cur.execute("SELECT triggered_by, count(*) FROM churn.score_log GROUP BY 1 ORDER BY 1")
        assert cur.fetchall() == [("batch", 25), ("profile_insert", 25)], "new profiles at commit"
        cur.execute("SELECT rows_done, batches, finished_at IS NOT NULL FROM churn.rescore_run")
        assert cur.fetchall() == [(25, 3, True)]
        cur.execute("SELECT churn.score_customer(7)")
        live = cur.fetchone()[0]
        assert profile(cur, 7)["churn_score"] == live, "batch and live scoring agree"


def test_rescore_all_resumes_an_unfinished_run(conn, db_url, active_gbdt):
    with conn.cursor() as cur:
        for k in range(1, 21):
            add_customer(cur, k)
        # a run that crashed after committing customers 1..12
        cur.execute(
            "INSERT INTO churn.rescore_run (model_id, batch_size, last_customer_id, rows_done, batches)"
            " VALUES (%s, 4, 12, 12, 3)",
            (active_gbdt,),
        )
    conn.commit()
    batch = psycopg2.connect(db_url)
    batch.autocommit = True
    try:
        with batch.cursor() as cur:
            cur.execute("CALL churn.rescore_all(4)")
    finally:
        batch.close()
    with conn.cursor() as cur:
        cur.execute(
            "SELECT min(customer_id), count(*) FROM churn.score_log WHERE triggered_by = 'batch'"
        )
        assert cur.fetchone() == (13, 8), "only the customers after the last committed batch"
        cur.execute("SELECT rows_done, finished_at IS NOT NULL FROM churn.rescore_run")
        assert cur.fetchall() == [(20, True)]


def test_rescore_all_without_an_active_model_is_a_clear_error(db_url):
    batch = psycopg2.connect(db_url)
    batch.autocommit = True
    try:
        with (
            batch.cursor() as cur,
            pytest.raises(psycopg2.errors.NoDataFound, match="no churn model is active"),
        ):
            cur.execute("CALL churn.rescore_all()")
    finally:
        batch.close()


def _workers(db_url, n):
    conns = [psycopg2.connect(db_url) for _ in range(n)]
    return conns


def test_two_sessions_share_one_run_and_score_every_profile_once(conn, db_url, active_gbdt):
    with conn.cursor() as cur:
        for k in range(1, 31):
            add_customer(cur, k)
    conn.commit()
    a, b = _workers(db_url, 2)
    try:
        ca, cb = a.cursor(), b.cursor()
        ca.execute("SELECT * FROM churn.rescore_batch(10)")  # opens the run: chunk 0
        run, done, total, finished, scored = ca.fetchone()
        a.commit()
        assert (done, total, finished, scored) == (10, 30, False, 10)
        ca.execute("SELECT * FROM churn.rescore_batch(10)")  # holds chunk 1, uncommitted
        out = []

        def second_session():
            cb.execute("SELECT * FROM churn.rescore_batch(10)")  # same run, skips to chunk 2
            out.append(cb.fetchone())
            b.commit()

        worker = threading.Thread(target=second_session)
        worker.start()
        time.sleep(0.5)  # b has claimed chunk 2; its progress update waits for a's commit
        a.commit()
        worker.join(timeout=30)
        assert out and out[0][0] == run
        cb.execute("SELECT * FROM churn.rescore_batch(10)")  # nothing left: closes the run
        assert cb.fetchone() == (run, 30, 30, True, 0)
        b.commit()
    finally:
        a.close()
        b.close()
    with conn.cursor() as cur:
        cur.execute(
            "SELECT customer_id, count(*) FROM churn.score_log WHERE triggered_by = 'batch'"
            " GROUP BY 1 HAVING count(*) > 1"
        )
        assert cur.fetchall() == [], "no profile is scored twice in a run"
        cur.execute(
            "SELECT count(DISTINCT customer_id) FROM churn.score_log WHERE triggered_by = 'batch'"
        )
        assert cur.fetchone() == (30,)
        cur.execute("SELECT chunk_no, rows_done FROM churn.rescore_chunk ORDER BY chunk_no")
        assert cur.fetchall() == [(0, 10), (1, 10), (2, 10)]


def test_a_chunk_whose_session_died_is_done_by_the_next_call(conn, db_url, active_gbdt):
    with conn.cursor() as cur:
        for k in range(1, 9):
            add_customer(cur, k)
    conn.commit()
    (crashed,) = _workers(db_url, 1)
    with crashed.cursor() as cur:
        cur.execute("SELECT churn.rescore_batch(4)")  # opens the run and plans its chunks
    crashed.commit()  # the run and its first chunk are committed
    with crashed.cursor() as cur:
        cur.execute("SELECT churn.rescore_batch(4)")  # second chunk in flight...
    crashed.close()  # ...and lost
    batch = psycopg2.connect(db_url)
    batch.autocommit = True
    try:
        with batch.cursor() as cur:
            cur.execute("CALL churn.rescore_all(4)")
    finally:
        batch.close()
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(DISTINCT customer_id) FROM churn.score_log"
            " WHERE triggered_by = 'batch'"
        )
        assert cur.fetchone() == (8, 8)
        cur.execute("SELECT rows_done, finished_at IS NOT NULL FROM churn.rescore_run")
        assert cur.fetchall() == [(8, True)]


def test_a_model_with_logged_scores_cannot_be_deleted(conn, active_gbdt):
    with conn.cursor() as cur:
        add_customer(cur, 1)
        cur.execute(insert_sql(1, [(0, 1, 3, "billing")]))
        score_now(cur)
        with pytest.raises(
            psycopg2.errors.ForeignKeyViolation, match="has scores in churn.score_log"
        ):
            cur.execute("DELETE FROM churn.model WHERE model_id = %s", (active_gbdt,))


PROFILES = 20_000
READS = (  # rows a statement read from a table, by scan or by index, since the stats reset
    "SELECT relname, seq_tup_read + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables"
    " WHERE schemaname = 'churn' AND relname IN ('customer_profile', 'customer_score')"
)


def table_reads(cur) -> dict[str, int]:
    """Rows read from the two tables so far (this backend's counts flushed first)."""
    cur.execute("SELECT pg_stat_force_next_flush()")  # flushed when the backend goes idle next
    cur.execute("SELECT pg_stat_clear_snapshot()")
    cur.execute(READS)
    return dict(cur.fetchall())


def test_batch_chunks_read_their_customers_by_key(conn, db_url, trained):
    """A run reads each chunk's customers by key: the rows it reads from customer_profile and
    customer_score grow with the profiles, not with profiles times chunks (revision 0017; at a
    million customers every chunk had read both tables whole)."""
    with conn.cursor() as cur:
        activate(cur, register(cur, trained("logistic").pmml, "logistic"))
        columns = ", ".join(DEFAULTS)
        # the demo's defaults, but monthly charges that differ from customer to customer
        chosen = ", ".join(
            "20 + g %% 97" if c == "monthly_charges" else f"%({c})s" for c in DEFAULTS
        )
        cur.execute(
            f"INSERT INTO churn.customer_profile (customer_id, {columns})"  # noqa: S608 - constants
            f" SELECT g, {chosen} FROM generate_series(1, %(n)s) g",
            DEFAULTS | {"n": PROFILES},
        )
    conn.commit()  # scores every new profile at commit
    batch = psycopg2.connect(db_url)
    batch.autocommit = True
    try:
        with batch.cursor() as cur:
            cur.execute("ANALYZE churn.customer_profile, churn.customer_score")
            before = table_reads(cur)
            # 100 chunks of 1% each, as 10,000 of a million
            cur.execute("CALL churn.rescore_all(200)")
            after = table_reads(cur)
            cur.execute("SELECT rows_done, batches FROM churn.rescore_run")
            assert cur.fetchall() == [(PROFILES, 100)]
    finally:
        batch.close()
    reads = {table: after[table] - before[table] for table in after}
    # The run reads the profiles whole once when it starts (their count), and each chunk its
    # own rows a few times by key: 4 times PROFILES for each table, measured. Revision 0016's
    # functions read 103 and 13 times PROFILES here: whole tables, chunk after chunk.
    assert reads["customer_profile"] <= 5 * PROFILES, reads
    assert reads["customer_score"] <= 4 * PROFILES, reads
