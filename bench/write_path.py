"""Section 1, the per-event write path: the floor, pgchurn, and the REST pattern.

Arms (every cell runs in a fresh copy of the write template, GBDT-100 active):
  a_floor_on / a_floor_off     pgbench inserts complaints, pgchurn's trigger disabled
  b_pgchurn_on / b_pgchurn_off the same script, trigger enabled (counters, score, log)
  c_rest_on                    bench.rest_client: insert, read features, POST to the
                               FastAPI service (2 uvicorn workers, same fitted GBDT), write
                               the score back; trigger disabled; one transaction per event
  b_outbox_on                  (b) with notify_mode = 'outbox' (revision 0008): the trigger
                               queues its notifications in churn.notification_outbox, and a
                               relay (pgchurn.relay_cli.relay, one session, every second)
                               sends them during the run, as a deployment would
  b_quiet_on                   what-if: (b) with notification thresholds no score reaches,
                               so pg_notify is never called
_on / _off is synchronous_commit. Repetitions are interleaved: rep 1 of every arm and client
count, then rep 2, so that drift of the machine hits every arm alike. Afterwards
bench.backend_profile times pgchurn's trigger code from inside one backend.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import backend_profile, env, noise, pgbench_runner
from bench.models import DEFAULT
from bench.prepare import Prepared
from bench.rest_client import customer_features
from bench.rest_service import Service
from bench.stats import latency_summary, paired_ratio, spread
from pgchurn.relay_cli import relay

COPY = "bench_run"


@dataclass(frozen=True)
class Arm:
    name: str
    label: str
    trigger: bool
    synchronous_commit: str
    rest: bool = False
    plan_cache_mode: str | None = None
    notify: bool = True
    outbox: bool = False

    def settings(self) -> dict[str, str]:
        out = {"synchronous_commit": self.synchronous_commit}
        return out | ({"plan_cache_mode": self.plan_cache_mode} if self.plan_cache_mode else {})


ARMS = (
    Arm("a_floor_on", "(a) insert, trigger disabled (floor)", False, "on"),
    Arm("b_pgchurn_on", "(b) insert with pgchurn", True, "on"),
    Arm("c_rest_on", "(c) REST pattern", False, "on", rest=True),
    Arm("a_floor_off", "(a) floor, synchronous_commit=off", False, "off"),
    Arm("b_pgchurn_off", "(b) pgchurn, synchronous_commit=off", True, "off"),
    Arm("b_outbox_on", "(b) pgchurn, notify_mode = outbox, relayed", True, "on", outbox=True),
    Arm("b_quiet_on", "what-if: (b) with pg_notify never sent", True, "on", notify=False),
)
WHAT_IF = ("b_quiet",)
# The what-if arm b_quiet_on sets thresholds no score can reach, so no NOTIFY is ever sent.
QUIET = "UPDATE churn.setting SET value = '2' WHERE name IN ('notify_threshold', 'notify_delta')"
OUTBOX = "UPDATE churn.setting SET value = 'outbox' WHERE name = 'notify_mode'"
RELAY_INTERVAL_S = 1.0
# Share of complaint-triggered scores that sent a notification (realtime.should_notify in SQL).
NOTIFIED = """
SELECT count(*) FILTER (WHERE CASE WHEN l.previous_score IS NULL THEN l.score >= s.t
                                   ELSE (l.previous_score < s.t) <> (l.score < s.t)
                                        OR abs(l.score - l.previous_score) >= s.d END),
       count(*)
  FROM churn.score_log l,
       (SELECT churn.notify_threshold() AS t,
               (SELECT value::float8 FROM churn.setting WHERE name = 'notify_delta') AS d) s
 WHERE l.triggered_by = 'complaint'
"""


def run(prep: Prepared, *, say: Any = print) -> dict[str, Any]:
    """Every arm x client count x repetition; returns raw cells and their summary."""
    roots = noise.roots_for(env.postmaster_pid(prep.cluster))
    quiet = noise.Quiet(roots)
    cells: list[dict[str, Any]] = []
    with Service(prep.models[DEFAULT].pickle_path) as service:
        service.warm(sample_features(prep))
        for rep in range(prep.scale.reps):
            for clients in prep.scale.clients:
                for arm in arms(prep.scale.what_ifs):
                    cell = measure(prep, arm, clients, service, quiet, roots)
                    cell["rep"] = rep
                    cells.append(cell)
                    say(
                        f"  rep {rep + 1} {arm.name:<14} {clients:>2} clients: "
                        f"{cell['tps']:>8.0f} tx/s  p99 {cell['latency_ms'].get('p99', 0):6.2f} ms"
                        f"  (foreign load {cell['foreign_cores']:.2f} cores)"
                    )
    with env.copy_of(prep.cluster, prep.write_template, COPY) as url:
        profile = backend_profile.profile_trigger(
            url, prep.scale.customers, prep.scale.profile_inserts
        )
    return {
        "cells": cells,
        "summary": summarize(cells, prep.scale.clients),
        "arms": {a.name: a.label for a in ARMS},
        "waited_for_quiet_s": quiet.waited,
        "profile": profile,
    }


def arms(what_ifs: bool) -> tuple[Arm, ...]:
    return tuple(a for a in ARMS if what_ifs or not a.name.startswith(WHAT_IF))


def sample_features(prep: Prepared) -> dict[str, Any]:
    with env.connect(prep.write_url()) as conn, conn.cursor() as cur:
        row = customer_features(cur, 1)
    conn.close()
    return row


def measure(
    prep: Prepared, arm: Arm, clients: int, service: Service, quiet: noise.Quiet, roots: set[int]
) -> dict[str, Any]:
    """One cell in a fresh copy: warm up, measure, count what the trigger recorded."""
    with env.copy_of(prep.cluster, prep.write_template, COPY) as url:
        env.set_trigger(url, enabled=arm.trigger)
        if not arm.notify:
            env.execute(url, QUIET)
        if arm.outbox:
            env.execute(url, OUTBOX)
        before = quiet.wait()
        with noise.Monitor(roots) as monitor, Relay(url, running=arm.outbox) as relayed:
            started = time.perf_counter()
            result = (
                rest_cell(prep, url, clients, service)
                if arm.rest
                else pgbench_cell(prep, arm, clients)
            )
            wall = time.perf_counter() - started
        if arm.outbox:
            result["relayed"] = relayed.total
            result["left_queued"] = env.scalar(
                url, "SELECT count(*) FROM churn.notification_outbox"
            )
        result["scoring_errors"] = env.scoring_errors(url)
        result["notified"], result["scored"] = notified(url)
    return {
        "arm": arm.name,
        "clients": clients,
        **result,
        "wall_s": wall,
        "foreign_cores": monitor.mean() or 0.0,
        "foreign_cores_before": before,
    }


class Relay:
    """Runs pgchurn's notification relay in a thread for the duration of a cell."""

    def __init__(self, url: str, *, running: bool) -> None:
        self.url, self.running, self.total = url, running, 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> Relay:
        if self.running:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.total = relay(
                self.url,
                max_messages=10_000,
                interval=RELAY_INTERVAL_S,
                once=False,
                should_stop=self._stop.is_set,
            )
        except BaseException as exc:  # noqa: BLE001 - re-raised in the measuring thread
            self._error = exc

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error


def notified(url: str) -> tuple[int, int]:
    """(scores that sent a notification, scores) written by complaints in this copy."""
    with env.connect(url) as conn, conn.cursor() as cur:
        cur.execute(NOTIFIED)
        sent, scored = cur.fetchone()
    conn.close()
    return int(sent), int(scored)


def pgbench_cell(prep: Prepared, arm: Arm, clients: int) -> dict[str, Any]:
    scale = prep.scale
    return pgbench_runner.complaint_cell(
        prep.cluster,
        COPY,
        scale.customers,
        clients,
        scale.warmup_seconds,
        scale.seconds,
        arm.settings(),
    )


def rest_cell(prep: Prepared, url: str, clients: int, service: Service) -> dict[str, Any]:
    scale = prep.scale
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rest.json"
        cmd = [
            sys.executable,
            "-m",
            "bench.rest_client",
            "--dsn",
            url,
            "--service",
            service.url,
            "--clients",
            str(clients),
            "--seconds",
            str(scale.seconds),
            "--warmup",
            str(scale.warmup_seconds),
            "--customers",
            str(scale.customers),
            "--seed",
            str(scale.seed),
            "--out",
            str(out),
        ]
        subprocess.run(cmd, cwd=env.ROOT, check=True, timeout=scale.seconds * 3 + 180)
        report = json.loads(out.read_text())
    if report["errors"]:
        raise RuntimeError(f"REST client failed: {report['errors'][:3]}")
    return {
        "tps": report["events"] / report["seconds"],
        "latency_ms": latency_summary(report["latencies_ms"]),
    }


# ---------------------------------------------------------------------------- summary
def figures(cells: list[dict[str, Any]], arm: str, clients: int, key: str) -> list[float]:
    """One figure of every repetition of a cell, in repetition order."""
    picked = sorted(
        (c for c in cells if c["arm"] == arm and c["clients"] == clients), key=lambda c: c["rep"]
    )
    if key == "tps":
        return [c["tps"] for c in picked]
    return [c["latency_ms"].get(key) for c in picked]


def summarize(cells: list[dict[str, Any]], clients_list: tuple[int, ...]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    measured = {c["arm"] for c in cells}
    for arm in (a for a in ARMS if a.name in measured):
        for clients in clients_list:
            table[f"{arm.name}/{clients}"] = {
                key: spread(figures(cells, arm.name, clients, key)) for key in ("tps", "p50", "p99")
            }
    return {"table": table, "ratios": ratios(cells, clients_list)}


RATIOS = {  # name: (numerator arm, denominator arm, figure)
    "b/a on": ("b_pgchurn_on", "a_floor_on", "tps"),
    "b/a off": ("b_pgchurn_off", "a_floor_off", "tps"),
    "b/c tps": ("b_pgchurn_on", "c_rest_on", "tps"),
    "p99 c/b": ("c_rest_on", "b_pgchurn_on", "p99"),
    "outbox b/a on": ("b_outbox_on", "a_floor_on", "tps"),
    "outbox b/c tps": ("b_outbox_on", "c_rest_on", "tps"),
    "outbox p99 c/b": ("c_rest_on", "b_outbox_on", "p99"),
    "what-if quiet b/a on": ("b_quiet_on", "a_floor_on", "tps"),
}


def ratios(cells: list[dict[str, Any]], clients_list: tuple[int, ...]) -> dict[str, Any]:
    """b/a (both durabilities), b/c throughput and p99(c)/p99(b), per client count."""
    return {
        f"{name}/{n}": paired_ratio(figures(cells, num, n, key), figures(cells, den, n, key))
        for name, (num, den, key) in RATIOS.items()
        for n in clients_list
    }
