"""The compact, partitioned score log (revision 0016): exact rows, lean rows, cheap retention.

A score-log row keeps its model's inputs packed in bytes (plpython/log_codec.py) in one of 24
month partitions; the view churn.score_log shows the features decoded and the reasons
recomputed. The expected features and reasons come from the scorer itself (churn._score called
directly on the customer's features as of the row's time) or from what it logged as jsonb
before the row was compacted; the expected scores from the scikit-learn pipeline the test fits.
The data is unlike the demo: a plan with spaces, a spend with NULLs, a large signed bigint.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg2
import pytest
from pgchurn.plpython import log_codec

from pgchurn import migrate
from tests.db.test_attributes import ADD_COLUMNS, fit, load_customers

NUMERIC = ("monthly_spend", "autopay", "tenure_months", "complaints_90d", "loyalty_points")
LOYALTY = "ALTER TABLE churn.customer_profile ADD COLUMN loyalty_points bigint"
# Per customer: large, negative and NULL values (beyond 32 bits, beyond a small int's byte).
LOYALTY_VALUES = "UPDATE churn.customer_profile SET loyalty_points = CASE customer_id % 4 WHEN 0 THEN NULL WHEN 1 THEN (customer_id * 4294967311)::bigint WHEN 2 THEN -customer_id * 1000003 ELSE customer_id END"

# What the scorer returns for the customer's features as of the row's time, next to the row.
SCORER_AGAIN = """
SELECT l.score_log_id, l.score, l.features, l.reasons::text,
       (r).score, (r).features, (r).reasons::text
  FROM churn.score_log l
  JOIN churn.model m ON m.model_id = l.model_id
 CROSS JOIN LATERAL churn.feature_frame(l.scored_at, every_column => true) f
 CROSS JOIN LATERAL (SELECT churn._score(m.pmml_sha256, ROW(f.*)::churn.features) AS r) s
 WHERE f.customer_id = l.customer_id
 ORDER BY l.score_log_id
"""


def bakery(conn, tmp_path, customers: int = 80):
    """The bakery of test_attributes plus a bigint attribute; a model on it, active."""
    with conn.cursor() as cur:
        cur.execute(ADD_COLUMNS)
        cur.execute(LOYALTY)
        load_customers(cur, customers)
        cur.execute(LOYALTY_VALUES)
        cur.execute(
            "SELECT f.customer_id, churn.customer_features(f.customer_id)"
            " FROM churn.feature_frame(now()) f ORDER BY 1"
        )
        import pandas as pd

        frame = pd.DataFrame([fs | {"customer_id": cid} for cid, fs in cur.fetchall()])
        frame["autopay"] = frame["autopay"].astype(int)
        frame["monthly_spend"] = frame["monthly_spend"].astype(float)
        frame["loyalty_points"] = frame["loyalty_points"].astype(float)
        pipeline, pmml = fit(frame, tmp_path, numeric=NUMERIC)
        cur.execute("SELECT churn.register_model(%s, 'bakery')", (pmml,))
        model_id = int(cur.fetchone()[0])
        cur.execute("SELECT churn.activate_model(%s)", (model_id,))
    conn.commit()
    return pipeline, frame, model_id


def complain_all(conn, customers: range) -> None:
    """One complaint per customer, each its own transaction: scored at commit."""
    with conn.cursor() as cur:
        for cid in customers:
            cur.execute(
                "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                " VALUES (%s, 'service', %s, 'phone')",
                (cid, 1 + cid % 5),
            )
            conn.commit()


def compact(conn) -> int:
    """Rewrite rows still holding jsonb features as compact rows (inputs packed, jsonb NULL).

    This is what the writer stores since revision 0016; rows it already wrote compact are left.
    """
    with conn.cursor() as cur:
        cur.execute(
            "SELECT d.score_log_id, d.features::text,"
            " (SELECT array_agg(e ->> 'name' ORDER BY n) FROM jsonb_array_elements(m.input_fields)"
            "   WITH ORDINALITY AS x(e, n))"
            " FROM churn.score_log_data d JOIN churn.model m ON m.model_id = d.model_id"
            " WHERE d.features IS NOT NULL AND d.features <> '{}'"
        )
        rows = cur.fetchall()
        for log_id, features, names in rows:
            packed = log_codec.encode(tuple(names), json.loads(features))
            cur.execute(
                "UPDATE churn.score_log_data SET inputs = %s, features = NULL, reasons = NULL"
                " WHERE score_log_id = %s",
                (psycopg2.Binary(packed), log_id),
            )
    conn.commit()
    return len(rows)


def test_a_compact_row_shows_bit_for_bit_what_the_scorer_logged(conn, login_as, tmp_path):
    pipeline, frame, model_id = bakery(conn, tmp_path)
    complain_all(conn, range(1, 41))
    with conn.cursor() as cur:
        cur.execute("SELECT score_log_id, features, reasons::text FROM churn.score_log ORDER BY 1")
        logged = {r[0]: r[1:] for r in cur.fetchall()}
    assert len(logged) >= 40  # activation scores everyone, then one per complaint
    compact(conn)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.score_log_data WHERE inputs IS NULL")
        assert cur.fetchone() == (0,), "every row is compact now"
        cur.execute(SCORER_AGAIN)
        again = cur.fetchall()
    assert len(again) == len(logged)
    kinds = set()
    for log_id, score, features, reasons, want_score, want_features, want_reasons in again:
        # the view's row equals the scorer's output on the same customer as of the same time,
        # and the jsonb the row held before it was compacted (bit for bit: the same text)
        assert (score, features, reasons) == (want_score, want_features, want_reasons)
        assert (features, reasons) == (logged[log_id][0], logged[log_id][1])
        assert len(json.loads(reasons)) == 3
        kinds |= {type(v).__name__ for v in features.values()}
    assert {"str", "int", "float", "NoneType"} <= kinds, "the data has each kind of value"
    assert any(abs(f["loyalty_points"] or 0) > 2**32 for _, _, f, *_ in again)

    # the score is the scikit-learn pipeline's on the logged features
    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur:
        cur.execute("SELECT customer_id, score, features FROM churn.score_log ORDER BY 1")
        rows = cur.fetchall()
    import pandas as pd

    # complaints_90d is 0 for every customer at training time: the document does not read it
    x = pd.DataFrame([f for _, _, f in rows]).reindex(columns=[*NUMERIC, "plan"], fill_value=0)
    x = x.astype({"monthly_spend": float, "loyalty_points": float})
    expected = pipeline.predict_proba(x[[*NUMERIC, "plan"]])[:, 1]
    assert [s for _, s, _ in rows] == pytest.approx(list(expected), rel=1e-12, abs=1e-12)


def test_the_view_reads_inserts_and_deletes_like_the_table_it_replaced(conn, login_as):
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO churn.score_log (customer_id, model_id, score, features, triggered_by,"
            " scored_at) VALUES (7, 3, 0.25, '{\"a\": 1.5}', 'manual', '2025-03-04 05:06:07Z')"
            " RETURNING score_log_id, reasons, variant, served"
        )
        log_id, reasons, variant, served = cur.fetchone()
        assert (reasons, variant, served) == ([], "champion", True)
        cur.execute(
            "SELECT l.customer_id, l.model_id, l.score, l.features, l.triggered_by, l.scored_at,"
            " d.log_month FROM churn.score_log l JOIN churn.score_log_data d USING (score_log_id)"
            " WHERE score_log_id = %s",
            (log_id,),
        )
        row = cur.fetchone()
        assert row[:5] == (7, 3, 0.25, {"a": 1.5}, "manual")
        # March 2025: (2025 * 12 + 2) % 24 = 24302 - 24 * 1012 = 14
        assert row[5] == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC) and row[6] == 14
        cur.execute("SELECT tableoid::regclass::text FROM churn.score_log_data")
        assert cur.fetchall() == [("churn.score_log_m14",)]
        with pytest.raises(psycopg2.errors.CheckViolation, match="triggered_by is 'nightly'"):
            cur.execute(
                "INSERT INTO churn.score_log (customer_id, model_id, score, features,"
                " triggered_by) VALUES (7, 3, 0.5, '{}', 'nightly')"
            )
    conn.rollback()
    with conn.cursor() as cur:
        for cid in (7, 8):
            cur.execute(
                "INSERT INTO churn.score_log (customer_id, model_id, score, features, triggered_by)"
                " VALUES (%s, 3, 0.5, '{}', 'batch')",
                (cid,),
            )
        cur.execute("DELETE FROM churn.score_log WHERE customer_id = 7")
        assert cur.rowcount == 1
        cur.execute("SELECT customer_id FROM churn.score_log")
        assert cur.fetchall() == [(8,)]
    conn.commit()
    analyst = login_as("pgchurn_analyst")
    with analyst.cursor() as cur:
        cur.execute("SELECT customer_id, triggered_by FROM churn.score_log")
        assert cur.fetchall() == [(8, "batch")]
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("DELETE FROM churn.score_log")


def test_a_compact_row_costs_at_most_300_bytes_with_its_index_entries(conn, tmp_path):
    bakery(conn, tmp_path)
    complain_all(conn, range(1, 31))
    compact(conn)
    with conn.cursor() as cur:
        # heap: the tuple (header included) and its line pointer; the btree's leaf entry:
        # 8-byte header + customer_id + scored_at, and its line pointer. BRIN: a few bytes
        # per 128 pages, nothing per row.
        cur.execute(
            "SELECT max(pg_column_size(d.*)) + 4, avg(pg_column_size(d.inputs))"
            " FROM churn.score_log_data d"
        )
        heap, inputs = cur.fetchone()
    per_row = heap + (8 + 8 + 8 + 4)
    print(f"score log: {per_row} bytes per row at most (inputs {float(inputs):.1f} bytes)")
    assert per_row <= 300


def _log_rows(cur, at: list[datetime]) -> None:
    for i, when in enumerate(at):
        cur.execute(
            "INSERT INTO churn.score_log (customer_id, model_id, score, features, triggered_by,"
            " scored_at) VALUES (%s, 1, 0.5, '{}', 'batch', %s)",
            (i, when),
        )


def test_purge_truncates_whole_months_and_deletes_the_month_at_the_cutoff(conn, login_as):
    now = datetime.now(UTC)
    days = 100
    cutoff = now - timedelta(days=days)
    second = timedelta(seconds=1)  # the month at the cutoff holds old and new rows
    old = [cutoff - second] + [cutoff - timedelta(days=d) for d in (20, 45, 200, 400)]
    new = [cutoff + second] + [cutoff + timedelta(days=d) for d in (10, 60)] + [now]
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE churn.setting SET value = %s WHERE name = 'score_log_retention_days'",
            (str(days),),
        )
        _log_rows(cur, old + new)
        cur.execute(
            "SELECT DISTINCT log_month FROM churn.score_log_data WHERE scored_at < %s", (cutoff,)
        )
        old_months = {r[0] for r in cur.fetchall()}
        cur.execute(
            "SELECT DISTINCT log_month FROM churn.score_log_data WHERE scored_at >= %s", (cutoff,)
        )
        new_months = {r[0] for r in cur.fetchall()}
        files = _files(cur)
    conn.commit()
    assert old_months - new_months and old_months & new_months, "whole months and a boundary"

    deployer = login_as("pgchurn_deployer")
    with deployer.cursor() as cur:
        cur.execute("SELECT churn.purge_score_log()")
        assert cur.fetchone() == (len(old),)
    with conn.cursor() as cur:
        cur.execute("SELECT scored_at FROM churn.score_log ORDER BY 1")
        assert [r[0] for r in cur.fetchall()] == sorted(new)
        after = _files(cur)
    conn.commit()
    for month in old_months - new_months:
        assert after[month] != files[month], f"month {month}: truncated (a new empty file)"
    for month in new_months:
        assert after[month] == files[month], f"month {month}: rows deleted, not truncated"


def _files(cur) -> dict[int, int]:
    cur.execute(
        "SELECT substr(c.relname, 12)::integer, c.relfilenode FROM pg_class c"
        " WHERE c.relname ~ '^score_log_m[0-9]{2}$'"
        " AND c.relnamespace = 'churn'::regnamespace"
    )
    return dict(cur.fetchall())


def test_purge_skips_a_month_a_long_query_holds_and_says_so(conn, db_url):
    now = datetime.now(UTC)
    with conn.cursor() as cur:
        _log_rows(cur, [now - timedelta(days=500), now - timedelta(days=600), now])
    conn.commit()
    reader = psycopg2.connect(db_url)
    try:
        with reader.cursor() as cur:  # an analyst's long query on one old month
            cur.execute("SELECT churn._log_month(%s)", (now - timedelta(days=500),))
            month = cur.fetchone()[0]
            cur.execute(f"SELECT count(*) FROM churn.score_log_m{month:02d}")  # noqa: S608
            conn.notices.clear()
            with conn.cursor() as purge:
                purge.execute("SELECT churn.purge_score_log()")
                assert purge.fetchone() == (1,), "the other old month is purged"
            conn.commit()
            assert any("skipped churn.score_log_m" in n for n in conn.notices), conn.notices
        reader.rollback()
    finally:
        reader.close()
    with conn.cursor() as cur:
        cur.execute("SELECT churn.purge_score_log()")
        assert cur.fetchone() == (1,), "the next purge takes it"
        cur.execute("SELECT count(*) FROM churn.score_log")
        assert cur.fetchone() == (1,)


@pytest.mark.parametrize("value", ["701", "3650", "0", "a year", "-5"])
def test_purge_refuses_a_retention_the_month_cycle_cannot_hold(conn, value):
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE churn.setting SET value = %s WHERE name = 'score_log_retention_days'", (value,)
        )
        with pytest.raises(psycopg2.errors.InvalidParameterValue) as raised:
            cur.execute("SELECT churn.purge_score_log()")
    message = str(raised.value)
    assert "score_log_retention_days" in message and repr(value) in message
    assert "from 1 to 700" in message and "UPDATE churn.setting" in message
    conn.rollback()


def test_current_scores_reads_one_month_partition_per_customer(conn, tmp_path):
    bakery(conn, tmp_path, customers=12)
    complain_all(conn, range(1, 7))
    with conn.cursor() as cur:
        cur.execute(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)"
            " SELECT score_log_id FROM churn.current_scores"
        )
        plan = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT count(c.score_log_id), count(*) FILTER (WHERE s.churn_score IS NOT NULL)"
            " FROM churn.current_scores c JOIN churn.customer_score s USING (customer_id)"
        )
        found, scored = cur.fetchone()
        assert found == scored >= 6
    # the lateral lookup is pruned at run time to the partition of the score's time
    skipped = [line for line in plan if "score_log_m" in line and "never executed" in line]
    assert len(skipped) >= 23, "\n".join(plan)


def _rows(url: str) -> list[tuple]:
    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute(
            "SELECT score_log_id, customer_id, model_id, score, previous_score, features::text,"
            " reasons::text, triggered_by, complaint_id, scored_at, variant, served,"
            " previous_model_id FROM churn.score_log ORDER BY score_log_id"
        )
        return cur.fetchall()


def test_upgrade_keeps_every_logged_row_and_downgrade_restores_them_exactly(empty_db_url, tmp_path):
    migrate.upgrade(empty_db_url, "0015")
    conn = psycopg2.connect(empty_db_url)
    try:
        bakery(conn, tmp_path, customers=40)
        complain_all(conn, range(1, 21))
        with conn.cursor() as cur:  # an old month too
            cur.execute(
                "UPDATE churn.score_log SET scored_at = scored_at - interval '400 days'"
                " WHERE customer_id <= 5"
            )
        conn.commit()
    finally:
        conn.close()
    before = _rows(empty_db_url)
    assert len(before) >= 20

    migrate.upgrade(empty_db_url)
    assert _rows(empty_db_url) == before, "every row identical through the view"
    conn = psycopg2.connect(empty_db_url)
    try:
        complain_all(conn, range(21, 31))  # new rows (compact once the writer writes them)
        compact(conn)
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM churn.score_log WHERE score_log_id > %s", (before[-1][0],)
            )
            assert cur.fetchone() == (10,), "ids continue after the old ones"
            cur.execute("SELECT count(*) FROM churn.score_log_data WHERE inputs IS NOT NULL")
            assert cur.fetchone()[0] == len(before) + 10
    finally:
        conn.close()
    at_head = _rows(empty_db_url)
    assert at_head[: len(before)] == before

    migrate.downgrade(empty_db_url, "0015")
    assert _rows(empty_db_url) == at_head, "0015's table: features and reasons exact"
    with psycopg2.connect(empty_db_url) as c, c.cursor() as cur:
        cur.execute("SELECT relkind::text FROM pg_class WHERE oid = 'churn.score_log'::regclass")
        assert cur.fetchone() == ("r",)
        cur.execute(
            "INSERT INTO churn.score_log (customer_id, model_id, score, features, triggered_by)"
            " VALUES (1, 1, 0.5, '{}', 'manual') RETURNING score_log_id"
        )
        assert cur.fetchone()[0] > at_head[-1][0]
    migrate.upgrade(empty_db_url)
    assert _rows(empty_db_url)[: len(at_head)] == at_head


def test_the_codec_keeps_every_value_exactly():
    names = ("a", "b", "c", "d", "e", "f", "g")
    record = {
        "a": None,
        "b": 199,
        "c": -(2**63),
        "d": 0.1 + 0.2,
        "e": "Weekly Loaf é",
        "f": [1, {"x": 2}],
        "g": 2**70,
    }
    back = log_codec.decode(names, log_codec.encode(names, record))
    assert back == record and [type(v) for v in back.values()] == [type(v) for v in record.values()]
    assert np.float64(back["d"]).tobytes() == np.float64(0.1 + 0.2).tobytes()
    with pytest.raises(log_codec.CorruptRecord, match="more than the model's 6 fields"):
        log_codec.decode(names[:6], log_codec.encode(names, record))
