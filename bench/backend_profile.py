"""Where the time goes inside the backend: timers (and cProfile) around pgchurn's own code.

`bench_probe.profile_start()` is a throwaway PL/Python function, created only in a benchmark
copy, that wraps pgchurn's modules in the current backend (GD["pgchurn"]): every prepared
statement run through `db.execute`, churn._score's entry point (all the Python of a trigger or
batch: since revision 0006 the statements around it are PL/pgSQL), scoring, explaining and
JSON encoding. `bench_probe.profile_stop()` returns the totals as JSON. With cprofile=true it
also runs churn._score under cProfile and returns the top functions by own time. Timers nest.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from contextlib import closing
from typing import Any

from bench import env

PROBE = r"""
CREATE SCHEMA IF NOT EXISTS bench_probe;
CREATE OR REPLACE FUNCTION bench_probe.profile_start(cprofile boolean) RETURNS void
LANGUAGE plpython3u AS $probe$
import cProfile
import importlib
import time
import types

if "pgchurn" not in GD:
    plpy.execute("SELECT churn._load_code()")
package = GD["pgchurn"]
# A module by its name at head, or by its name before revision 0015 renamed it.
def module(name, before_0015):
    try:
        return importlib.import_module(package.__name__ + "." + name)
    except ImportError:
        return importlib.import_module(package.__name__ + "." + before_0015)

pg = types.SimpleNamespace(db=module("db", "db"), rescoring=module("rescoring", "realtime"),
                           model_cache=module("model_cache", "models"),
                           scoring=module("scoring", "scoring"))
state = GD.setdefault("bench_probe", {"timers": {}, "patched": False, "profile": None})
state["timers"].clear()
state["profile"] = cProfile.Profile() if cprofile else None
timers = state["timers"]

def add(key, seconds):
    entry = timers.setdefault(key, [0, 0.0])
    entry[0] += 1
    entry[1] += seconds

def timed(key, function, outermost=False):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            profile = state["profile"] if outermost else None
            if profile is not None:
                return profile.runcall(function, *args, **kwargs)
            return function(*args, **kwargs)
        finally:
            add(key, time.perf_counter() - started)
    return wrapper

def timed_sql(function):
    def execute(query, types, args):
        started = time.perf_counter()
        try:
            return function(query, types, args)
        finally:
            add("sql: " + " ".join(query.split())[:90], time.perf_counter() - started)
    return execute

def instrumented(function):
    def compiled(sha):
        model = function(sha)
        if not getattr(model, "_bench_probe", False):
            model.score = timed("model.score", model.score)
            model.explain = timed("model.explain", model.explain)
            model._bench_probe = True
        return model
    return compiled

if not state["patched"]:
    pg.db.execute = timed_sql(pg.db.execute)
    pg.rescoring.score_row = timed(
        "churn._score (all of pgchurn's Python)", pg.rescoring.score_row, outermost=True)
    pg.scoring.predict = timed(
        "churn.predict (all of pgchurn's Python)", pg.scoring.predict, outermost=True)
    if hasattr(pg.rescoring, "prepared"):  # revision 0016: no reasons on the write path
        pg.rescoring.prepared = timed("rescoring.prepared (model lookup, flatten, checks)",
                                      pg.rescoring.prepared)
        log_codec = module("log_codec", "log_codec")
        log_codec.encode = timed("log_codec.encode (the logged inputs)", log_codec.encode)
    else:
        pg.rescoring.explain_record = timed("rescoring.explain_record (score and reasons)",
                                            pg.rescoring.explain_record)
        pg.rescoring.reasons_json = timed("rescoring.reasons_json", pg.rescoring.reasons_json)
    if hasattr(pg.rescoring, "features_json"):  # revisions 0007-0015: the logged features
        pg.rescoring.features_json = timed("rescoring.features_json", pg.rescoring.features_json)
    pg.model_cache.compiled = instrumented(pg.model_cache.compiled)
    state["patched"] = True
$probe$;

CREATE OR REPLACE FUNCTION bench_probe.profile_stop(top integer) RETURNS text
LANGUAGE plpython3u AS $probe$
import io
import json
import pstats

state = GD["bench_probe"]
out = {"timers": {k: {"calls": v[0], "seconds": v[1]} for k, v in state["timers"].items()}}
if state["profile"] is not None:
    buf = io.StringIO()
    pstats.Stats(state["profile"], stream=buf).sort_stats("tottime").print_stats(top)
    out["cprofile"] = buf.getvalue()
    state["profile"] = None
return json.dumps(out)
$probe$;
"""
INSERT = (
    "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
    " VALUES (%s, 'billing', %s, 'phone')"
)


def install(cur: Any) -> None:
    cur.execute(PROBE)


def probed(cur: Any, action: Callable[[], int], *, cprofile: bool = False) -> dict[str, Any]:
    """Run `action` (it returns its number of events) with the timers on; per-event figures."""
    cur.execute("SELECT bench_probe.profile_start(%s)", (cprofile,))
    started = time.perf_counter()
    events = max(int(action()), 1)
    seconds = time.perf_counter() - started
    cur.execute("SELECT bench_probe.profile_stop(%s)", (25 if cprofile else 0,))
    report = json.loads(cur.fetchone()[0])
    out = {
        "events": events,
        "seconds": seconds,
        "us_per_event": seconds / events * 1e6,
        "timers": per_event(report, events),
    }
    return out | ({"cprofile_top": report.get("cprofile", "")} if cprofile else {})


def per_event(report: dict[str, Any], events: int) -> list[dict[str, Any]]:
    """Timers as rows: calls per event and µs per event, largest first."""
    rows = [
        {
            "what": k,
            "calls_per_event": v["calls"] / events,
            "us_per_event": v["seconds"] / events * 1e6,
        }
        for k, v in report["timers"].items()
    ]
    return sorted(rows, key=lambda r: -r["us_per_event"])


def inserts(cur: Any, n: int, customers: int, offset: int) -> int:
    """n single-row INSERTs, each its own transaction (autocommit); returns n."""
    for k in range(n):
        cur.execute(INSERT, (1 + (offset + k * 7919) % customers, 1 + k % 5))
    return n


# ---------------------------------------------------------------------------- the trigger
def profile_trigger(url: str, customers: int, n: int) -> dict[str, Any]:
    """One session, synchronous_commit=off: n inserts without the trigger, then n with it."""
    out: dict[str, Any] = {"inserts": n, "modes": {}}
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        install(cur)
        cur.execute("SET synchronous_commit = off")
        env.set_trigger(url, enabled=False)
        inserts(cur, n // 5, customers, 0)
        out["floor_us"] = probed(cur, lambda: inserts(cur, n, customers, 1))["us_per_event"]
        env.set_trigger(url, enabled=True)
        inserts(cur, n // 5, customers, 2)  # loads Python, the code and the model
        out["modes"]["auto"] = split(
            probed(cur, lambda: inserts(cur, n, customers, 3)), out["floor_us"]
        )
        cprofiled = probed(cur, lambda: inserts(cur, max(n // 4, 1), customers, 9), cprofile=True)
        out["cprofile_top"] = cprofiled["cprofile_top"]
        out["functions"] = function_times(cur, lambda: inserts(cur, n, customers, 11))
    return out


FUNCTION_TIMES = """
SELECT funcid::regprocedure::text, calls, total_time, self_time
  FROM pg_catalog.pg_stat_user_functions WHERE schemaname = 'churn'
"""


def function_times(cur: Any, action: Callable[[], int]) -> list[dict[str, Any]]:
    """Per event: calls, total and self µs of each churn function (track_functions = pl).

    PostgreSQL's own accounting, beside the Python timers: the trigger functions' SQL, the
    commit-time rescoring statement and churn._score (the Python call, conversions included).
    The tracking adds a little to every call; the shares are what to read.
    """

    def snapshot() -> dict[str, tuple[int, float, float]]:
        cur.execute("SELECT pg_catalog.pg_stat_force_next_flush()")
        cur.execute("SELECT pg_catalog.pg_stat_clear_snapshot()")
        cur.execute(FUNCTION_TIMES)
        return {name: (calls, total, own) for name, calls, total, own in cur.fetchall()}

    cur.execute("SET track_functions = 'pl'")
    before = snapshot()
    events = max(int(action()), 1)
    after = snapshot()
    cur.execute("RESET track_functions")
    rows = []
    for name, (calls, total, own) in after.items():
        c0, t0, s0 = before.get(name, (0, 0.0, 0.0))
        if calls > c0:
            rows.append(
                {
                    "function": name,
                    "calls_per_event": (calls - c0) / events,
                    "total_us": (total - t0) * 1e3 / events,
                    "self_us": (own - s0) * 1e3 / events,
                }
            )
    return sorted(rows, key=lambda r: -r["total_us"])


def split(run: dict[str, Any], floor_us: float) -> dict[str, Any]:
    """Per insert: total, pgchurn's Python, and the rest of the trigger's cost."""
    python = next(
        (t["us_per_event"] for t in run["timers"] if t["what"].startswith("churn._score")), 0.0
    )
    return {
        "with_trigger_us": run["us_per_event"],
        "trigger_python_us": python,
        "trigger_outside_python_us": run["us_per_event"] - floor_us - python,
        "timers": run["timers"],
    }


# ---------------------------------------------------------------------------- bulk, batch, scans
def profile_copy(url: str, statement: str, text: str) -> dict[str, Any]:
    """One COPY with the trigger on, timed per complaint row."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        install(cur)

        def copy() -> int:
            cur.copy_expert(statement, io.StringIO(text), size=1 << 20)
            return text.count("\n")

        return probed(cur, copy)


def profile_batch(url: str, batch_size: int, batches: int) -> dict[str, Any]:
    """`batches` calls of churn.rescore_batch(batch_size), each committed, timed per row."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        install(cur)

        def rescore(count: int) -> int:
            done = 0
            for _ in range(count):
                cur.execute(
                    "SELECT rows_done, finished FROM churn.rescore_batch(%s)", (batch_size,)
                )
                done, finished = cur.fetchone()
                if finished:
                    break
            return int(done)

        out = probed(cur, lambda: rescore(batches))
        out["cprofile_top"] = probed(cur, lambda: rescore(1), cprofile=True)["cprofile_top"]
    return out


def profile_scan(url: str, query: str, args: tuple[object, ...], rows: int) -> dict[str, Any]:
    """One run of a query that scores `rows` rows (after an untimed warm-up run)."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        install(cur)
        cur.execute("SET max_parallel_workers_per_gather = 0")
        cur.execute(query, args)

        def scan() -> int:
            cur.execute(query, args)
            cur.fetchall()
            return rows

        return probed(cur, scan)
