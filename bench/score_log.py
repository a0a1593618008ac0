"""Section 7, the score log: bytes per logged score, and purging a month of it.

(a) Bytes per row. In a copy of the write template (every profile scored once by
    churn.rescore_all), complaints are inserted through the real write path, statements of
    FILL_STATEMENT random customers each (the trigger logs one score per distinct customer),
    until scale.score_log_fill more rows are logged. Then pg_total_relation_size of the score
    log's storage (every partition: heap, TOAST, free-space and visibility maps, indexes) over
    its rows, with the heap / TOAST and maps / index split.
(b) Purge. In the same copy, scale.score_log_rows rows spread evenly in time over 13 calendar
    months (the oldest month to now) are added straight into the storage with generate_series,
    in time order, each a copy of a real scored row (its features, inputs and reasons as the
    scorer logged them; rows the writer logged as jsonb in the compact design are packed first,
    as the compact writer stores them, by a throwaway function in the copy) with its customer
    cycling over every customer. score_log_retention_days
    is set so that the cutoff falls within the first day of the second-oldest month: the oldest
    month is wholly past retention, the next one has up to a day of old rows (what a nightly
    purge meets the day after a month ends). VACUUM ANALYZE, then each repetition times
    `SELECT churn.purge_score_log()` in a fresh copy of that database (in it, with one
    repetition), after a CHECKPOINT, and compares the storage's
    size afterwards with the same storage built anew holding only the kept rows, and reads
    n_dead_tup.

Either design is measured: revision 0016's churn.score_log_data (month partitions, purge by
TRUNCATE) or, before it, the table churn.score_log (purge by DELETE, the same function as at
revision 0009).
"""

from __future__ import annotations

import time
from contextlib import closing
from datetime import UTC, datetime
from typing import Any

from psycopg2 import sql

from bench import env, noise
from bench.prepare import Prepared
from bench.stats import spread

FILL_STATEMENT = 500  # complaints per INSERT statement in (a)
SAMPLE = 1000  # real scored rows the generated rows of (b) are copied from
CHUNK = 1_000_000  # generated rows per INSERT statement
MONTHS = 13
FILLED = "bench_score_log_filled"

SIZES = """
SELECT count(*), coalesce(sum(pg_relation_size(r.oid)), 0),
       coalesce(sum(pg_table_size(r.oid) - pg_relation_size(r.oid)), 0),
       coalesce(sum(pg_indexes_size(r.oid)), 0), coalesce(sum(pg_total_relation_size(r.oid)), 0)
  FROM pg_class r
 WHERE r.oid = ANY(%s::regclass[])
"""
COMPLAINTS = """
INSERT INTO churn.complaint (customer_id, category, severity, channel)
SELECT 1 + floor(random() * %(customers)s)::bigint,
       (ARRAY['billing', 'network', 'service', 'device', 'contract', 'other'])
           [1 + floor(random() * 6)::int],
       1 + floor(random() * 5)::int,
       (ARRAY['phone', 'email', 'chat', 'store', 'social'])[1 + floor(random() * 5)::int]
  FROM generate_series(1, %(n)s)
"""


class Storage:
    """Where the score log's rows live in a database: the partitioned table or the old one."""

    def __init__(self, cur: Any) -> None:
        cur.execute("SELECT to_regclass('churn.score_log_data') IS NOT NULL")
        self.partitioned = bool(cur.fetchone()[0])
        self.name = "churn.score_log_data" if self.partitioned else "churn.score_log"
        self.design = (
            "churn.score_log_data: month partitions, purge by TRUNCATE (revision 0016)"
            if self.partitioned
            else "churn.score_log: one table, purge by DELETE (as at revision 0009)"
        )

    def relations(self, cur: Any) -> list[str]:
        """The tables that hold rows: every leaf partition, or the table itself."""
        if not self.partitioned:
            return [self.name]
        cur.execute(
            "SELECT relid::regclass::text FROM pg_partition_tree(%s) WHERE isleaf ORDER BY 1",
            (self.name,),
        )
        return [r[0] for r in cur.fetchall()]

    def sizes(self, cur: Any) -> dict[str, Any]:
        cur.execute(f"SELECT count(*) FROM {self.name}")
        rows = int(cur.fetchone()[0])
        cur.execute(SIZES, (self.relations(cur),))
        _, heap, toast_maps, indexes, total = (int(x) for x in cur.fetchone())
        per = (lambda b: b / rows) if rows else (lambda b: None)
        return {
            "rows": rows,
            "heap_bytes": heap,
            "toast_and_maps_bytes": toast_maps,
            "index_bytes": indexes,
            "total_bytes": total,
            "bytes_per_row": per(total),
            "heap_per_row": per(heap),
            "toast_and_maps_per_row": per(toast_maps),
            "index_per_row": per(indexes),
        }

    def copied_columns(self, cur: Any) -> list[str]:
        """The columns a generated row copies from a real one (not its id, time or customer)."""
        cur.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped ORDER BY attnum",
            (self.name,),
        )
        skip = {"score_log_id", "scored_at", "log_month", "customer_id"}
        return [r[0] for r in cur.fetchall() if r[0] not in skip]


# ---------------------------------------------------------------------------- (a) bytes per row
def fill(url: str, customers: int, rows: int) -> dict[str, Any]:
    """Complaints through the write path until `rows` more scores are logged; the sizes then."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        store = Storage(cur)
        cur.execute(f"SELECT count(*) FROM {store.name}")
        before = int(cur.fetchone()[0])
        logged, statements, started = 0, 0, time.perf_counter()
        while logged < rows:
            cur.execute(COMPLAINTS, {"customers": customers, "n": FILL_STATEMENT})
            cur.execute(f"SELECT count(*) FROM {store.name}")
            logged = int(cur.fetchone()[0]) - before
            statements += 1
        seconds = time.perf_counter() - started
        cur.execute("ANALYZE")
        compact = None
        if store.partitioned:  # rows the writer stored packed, not as jsonb
            cur.execute(f"SELECT count(*) FILTER (WHERE inputs IS NOT NULL) FROM {store.name}")
            compact = int(cur.fetchone()[0])
        return {
            "compact_rows": compact,
            "design": store.design,
            "template_rows": before,
            "complaint_rows": logged,
            "complaint_statements": statements,
            "fill_seconds": seconds,
            **store.sizes(cur),
        }


# ---------------------------------------------------------------------------- (b) purge
def month_start(t: datetime, back: int) -> datetime:
    """The first instant (UTC) of the calendar month `back` months before t's."""
    index = t.year * 12 + t.month - 1 - back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def generate(url: str, customers: int, rows: int, say: Any) -> dict[str, Any]:
    """`rows` rows over MONTHS calendar months ending now, copied from real scored rows."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        store = Storage(cur)
        cur.execute("SELECT now()")
        now = cur.fetchone()[0]
        start = month_start(now, MONTHS - 1)
        cutoff_floor = month_start(now, MONTHS - 2)
        # Whole days of retention, so that the cutoff (now - days) falls on the first day of
        # the second-oldest month: at most a day of its rows is past retention.
        days = (now - cutoff_floor).days
        cols = store.copied_columns(cur)
        col_list = sql.SQL(", ").join(map(sql.Identifier, cols))
        cur.execute(
            sql.SQL(
                "CREATE TEMP TABLE bench_sample AS SELECT row_number() OVER () - 1 AS k, s.*"
                " FROM (SELECT {} FROM {} ORDER BY random() LIMIT %s) s"
            ).format(col_list, sql.SQL(store.name)),
            (SAMPLE,),
        )
        cur.execute("SELECT count(*) FROM bench_sample")
        sample = int(cur.fetchone()[0])
        packed_here = pack_sample(cur) if store.partitioned else 0
        target = [*cols, "customer_id", "scored_at"] + (["log_month"] if store.partitioned else [])
        values = [
            *(sql.SQL("s.{}").format(sql.Identifier(c)) for c in cols),
            sql.SQL("1 + mod(g.i, %(customers)s)"),
            sql.SQL("t.ts"),
        ] + ([sql.SQL("churn._log_month(t.ts)")] if store.partitioned else [])
        insert = sql.SQL(
            "INSERT INTO {} ({}) SELECT {} FROM generate_series(%(lo)s, %(hi)s) g(i)"
            " CROSS JOIN LATERAL (SELECT %(start)s::timestamptz"
            " + %(span)s::interval * (g.i::float8 / %(rows)s)) t(ts)"
            " JOIN bench_sample s ON s.k = mod(g.i, %(sample)s)"
        ).format(
            sql.SQL(store.name),
            sql.SQL(", ").join(map(sql.Identifier, target)),
            sql.SQL(", ").join(values),
        )
        started = time.perf_counter()
        for lo in range(0, rows, CHUNK):
            cur.execute(
                insert,
                {
                    "lo": lo,
                    "hi": min(lo + CHUNK, rows) - 1,
                    "start": start,
                    "span": now - start,
                    "rows": rows,
                    "sample": sample,
                    "customers": customers,
                },
            )
            say(f"  generated {min(lo + CHUNK, rows):,} of {rows:,} rows")
        insert_s = time.perf_counter() - started
        cur.execute(
            "UPDATE churn.setting SET value = %s WHERE name = 'score_log_retention_days'",
            (str(days),),
        )
        started = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
        vacuum_s = time.perf_counter() - started
        cur.execute(
            f"SELECT count(*) FILTER (WHERE scored_at < now() - make_interval(days => %s)),"
            f" count(*) FROM {store.name}",
            (days,),
        )
        old, total = (int(x) for x in cur.fetchone())
        return {
            "design": store.design,
            "generated_rows": rows,
            "from": start.isoformat(),
            "to": now.isoformat(),
            "retention_days": days,
            "rows": total,
            "rows_past_retention": old,
            "sample_rows": sample,
            "sample_packed_by_bench": packed_here,
            "insert_s": insert_s,
            "vacuum_s": vacuum_s,
        }


PACK = r"""
CREATE SCHEMA IF NOT EXISTS bench_probe;
CREATE OR REPLACE FUNCTION bench_probe.pack(model_id integer, features jsonb) RETURNS bytea
LANGUAGE plpython3u AS $probe$
import importlib
import json

if "pgchurn" not in GD:
    plpy.execute("SELECT churn._load_code()")
package = GD["pgchurn"]
log_codec = importlib.import_module(package.__name__ + ".log_codec")
score_log = importlib.import_module(package.__name__ + ".score_log")
names = score_log._model(model_id).input_order
record = json.loads(features)
return log_codec.encode(names, {name: record.get(name) for name in names})
$probe$;
"""


def pack_sample(cur: Any) -> int:
    """Sample rows the writer logged as jsonb (a writer older than the compact log), packed as
    the compact writer stores them: inputs in the model's order, no features or reasons. A
    throwaway function in this copy only; returns how many rows it packed."""
    cur.execute("SELECT count(*) FROM bench_sample WHERE inputs IS NULL AND features IS NOT NULL")
    if not int(cur.fetchone()[0]):
        return 0
    cur.execute(PACK)
    cur.execute(
        "UPDATE bench_sample SET inputs = bench_probe.pack(model_id, features), features = NULL,"
        " reasons = NULL WHERE inputs IS NULL AND features IS NOT NULL"
    )
    return int(cur.rowcount)


def purge_once(url: str, roots: set[int]) -> dict[str, Any]:
    """Time churn.purge_score_log(); then the storage's size against the kept rows alone."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        store = Storage(cur)
        cur.execute("CHECKPOINT")
        with noise.Monitor(roots) as monitor:
            started = time.perf_counter()
            cur.execute("SELECT churn.purge_score_log()")
            purged = int(cur.fetchone()[0])
            seconds = time.perf_counter() - started
        cur.execute("SELECT pg_stat_force_next_flush()")
        after = store.sizes(cur)
        time.sleep(1.0)  # let the backend's statistics reach the shared counters
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute(
            "SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables"
            " WHERE relid = ANY(%s::regclass[])",
            (store.relations(cur),),
        )
        dead = int(cur.fetchone()[0])
        kept = kept_only(cur, store)
    return {
        "seconds": seconds,
        "purged": purged,
        "foreign_cores": monitor.mean() or 0.0,
        "after": after,
        "kept_only": kept,
        "n_dead_tup": dead,
        "size_over_kept": after["total_bytes"] / kept["total_bytes"],
    }


def kept_only(cur: Any, store: Storage) -> dict[str, Any]:
    """The sizes of the same storage built anew (same definition, partitions and indexes) with
    only the rows the purge kept, inserted in time order as they were logged."""
    parts = store.relations(cur)
    if store.partitioned:
        cur.execute(
            "CREATE TABLE bench_kept (LIKE churn.score_log_data INCLUDING ALL)"
            " PARTITION BY LIST (log_month)"
        )
        cur.execute(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = ANY(%s::regclass[])",
            (parts,),
        )
        for i, (bound,) in enumerate(cur.fetchall()):
            cur.execute(
                sql.SQL("CREATE TABLE {} PARTITION OF bench_kept {}").format(
                    sql.Identifier(f"bench_kept_{i:02d}"), sql.SQL(bound)
                )
            )
        cur.execute("INSERT INTO bench_kept SELECT * FROM churn.score_log_data ORDER BY scored_at")
        cur.execute(
            "SELECT relid::regclass::text FROM pg_partition_tree('bench_kept') WHERE isleaf"
        )
        kept = [r[0] for r in cur.fetchall()]
    else:
        cur.execute("CREATE TABLE bench_kept (LIKE churn.score_log INCLUDING ALL)")
        cur.execute(
            "INSERT INTO bench_kept OVERRIDING SYSTEM VALUE SELECT * FROM churn.score_log"
            " ORDER BY scored_at"
        )
        kept = ["bench_kept"]
    cur.execute(SIZES, (kept,))
    _, heap, toast_maps, indexes, total = (int(x) for x in cur.fetchone())
    return {
        "heap_bytes": heap,
        "toast_and_maps_bytes": toast_maps,
        "index_bytes": indexes,
        "total_bytes": total,
    }


# ---------------------------------------------------------------------------- the section
def run(prep: Prepared, *, say: Any = print) -> dict[str, Any]:
    scale = prep.scale
    roots = noise.roots_for(env.postmaster_pid(prep.cluster))
    quiet = noise.Quiet(roots)
    env.drop(prep.cluster, FILLED)
    env.admin(
        prep.cluster,
        sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
            sql.Identifier(FILLED), sql.Identifier(prep.write_template)
        ),
    )
    try:
        url = prep.cluster.database_url(FILLED)
        quiet.wait()
        sizes = fill(url, scale.customers, scale.score_log_fill)
        say(
            f"  (a) {sizes['design']}: {sizes['rows']:,} rows ({sizes['complaint_rows']:,} from"
            f" complaints), {sizes['bytes_per_row']:.0f} bytes per row (heap"
            f" {sizes['heap_per_row']:.0f}, TOAST and maps {sizes['toast_and_maps_per_row']:.0f},"
            f" indexes {sizes['index_per_row']:.0f})"
            + ("" if sizes["compact_rows"] is None else f"; {sizes['compact_rows']:,} rows packed")
        )
        generated = generate(url, scale.customers, scale.score_log_rows, say)
        if generated["sample_packed_by_bench"]:
            say(
                f"  the writer logged jsonb: {generated['sample_packed_by_bench']:,} sampled rows"
                " packed by the bench as the compact writer would store them"
            )
        say(
            f"  (b) {generated['rows']:,} rows over {MONTHS} months, retention"
            f" {generated['retention_days']} days: {generated['rows_past_retention']:,} past it"
            f" (inserted in {generated['insert_s']:.0f} s, vacuumed in"
            f" {generated['vacuum_s']:.0f} s)"
        )
        generated["sizes_before"] = _sizes(url)
        cells = []
        for rep in range(scale.reps):
            quiet.wait()
            if scale.reps == 1:  # the only purge: in place, sparing a copy of the whole log
                cell = purge_once(url, roots) | {"rep": rep}
            else:
                with env.copy_of(prep.cluster, FILLED, "bench_score_log_purge") as copy:
                    cell = purge_once(copy, roots) | {"rep": rep}
            cells.append(cell)
            say(
                f"  rep {rep + 1} purge: {cell['purged']:,} rows in {cell['seconds']:.3f} s;"
                f" size after / kept rows alone {cell['size_over_kept']:.3f},"
                f" n_dead_tup {cell['n_dead_tup']:,}"
                f" (foreign load {cell['foreign_cores']:.2f} cores)"
            )
    finally:
        env.drop(prep.cluster, FILLED)
    last = cells[-1]
    return {
        "fill": sizes,
        "purge": {
            **generated,
            "seconds": spread([c["seconds"] for c in cells]),
            "size_over_kept": max(c["size_over_kept"] for c in cells),
            "n_dead_tup": max(c["n_dead_tup"] for c in cells),
            "after": last["after"],
            "kept_only": last["kept_only"],
            "purged": last["purged"],
        },
        "cells": cells,
    }


def _sizes(url: str) -> dict[str, Any]:
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        return Storage(cur).sizes(cur)
