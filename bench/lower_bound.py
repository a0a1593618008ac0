"""Section lower_bound: how close to the floor can any design of the write path come here?

Issue 19 asks for b/a >= 0.7 / 0.6 / 0.5 at 1 / 4 / 16 clients. This section measures, in one
run and with the write path's own pgbench script, four minimal write paths that each do less
than pgchurn must (bench/lower_bound/minimal.sql says what each leaves out), between the floor
and pgchurn itself:

  a_floor_on      the insert with no trigger (the write path section's arm a)
  m1_counter_log  a row trigger: the customer's counters, one log row
  m2_python       m1 and one PL/Python call (a logistic of four numbers)
  m3_model        m1 and the real scorer: churn._score with the stored GBDT-100, on features
                  made from the counters (never decayed, no history read)
  m4_features     m3 with the real features, from the complaint history (churn.feature_frame)
  b_pgchurn_on    pgchurn (the write path section's arm b)

Each design's throughput over the floor's is an upper bound on b/a for any design that does at
least as much. Every cell runs in a fresh copy of the write template, synchronous_commit on,
repetitions interleaved. After each cell the log is checked: one row per complaint, and for
m2-m4 a score on each; pgchurn's cells record its scoring errors, as section 1's do.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from typing import Any

from psycopg2 import sql

from bench import env, noise, pgbench_runner
from bench.env import ROOT
from bench.prepare import Prepared
from bench.stats import paired_ratio, spread

MINIMAL_SQL = ROOT / "bench" / "lower_bound" / "minimal.sql"
COPY = "bench_run"
SETTINGS = {"synchronous_commit": "on"}


@dataclass(frozen=True)
class Design:
    name: str
    label: str
    trigger: str | None  # minimal.on_complaint's argument; None: pgchurn's trigger or none
    pgchurn: bool = False


DESIGNS = (
    Design("a_floor_on", "(a) insert, no trigger (floor)", None),
    Design("m1_counter_log", "m1: counters + one log row", "m1_counter_log"),
    Design("m2_python", "m2: m1 + one PL/Python call", "m2_python"),
    Design("m3_model", "m3: m1 + churn._score (GBDT-100), features from counters", "m3_model"),
    Design("m4_features", "m4: m3 with the real features (complaint history)", "m4_features"),
    Design("b_pgchurn_on", "(b) pgchurn", None, pgchurn=True),
)
FLOOR = "a_floor_on"

COUNT_LOG = """
SELECT count(*), count(*) FILTER (WHERE score IS NULL) FROM minimal.log
"""
COUNT_COMPLAINTS = "SELECT count(*) FROM churn.complaint"


def run(prep: Prepared, *, say: Any = print) -> dict[str, Any]:
    """Every design x client count x repetition; returns raw cells and their summary."""
    roots = noise.roots_for(env.postmaster_pid(prep.cluster))
    quiet = noise.Quiet(roots)
    cells: list[dict[str, Any]] = []
    for rep in range(prep.scale.reps):
        for clients in prep.scale.clients:
            for design in DESIGNS:
                cell = measure(prep, design, clients, quiet, roots)
                cell["rep"] = rep
                cells.append(cell)
                say(
                    f"  rep {rep + 1} {design.name:<15} {clients:>2} clients: "
                    f"{cell['tps']:>8.0f} tx/s  (foreign load {cell['foreign_cores']:.2f} cores)"
                )
    return {
        "cells": cells,
        "summary": summarize(cells, prep.scale.clients),
        "designs": {d.name: d.label for d in DESIGNS},
        "waited_for_quiet_s": quiet.waited,
    }


def install(url: str, design: Design) -> None:
    """Leave exactly the design's trigger enabled on churn.complaint in a benchmark copy."""
    env.set_trigger(url, enabled=design.pgchurn)
    if design.trigger is None:
        return
    create = sql.SQL(
        "CREATE TRIGGER minimal_write_path AFTER INSERT ON churn.complaint FOR EACH ROW"
        " EXECUTE FUNCTION minimal.on_complaint({})"
    ).format(sql.Literal(design.trigger))
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(MINIMAL_SQL.read_text(encoding="utf-8"))  # no parameters: % stays as is
        cur.execute(create)


def measure(
    prep: Prepared, design: Design, clients: int, quiet: noise.Quiet, roots: set[int]
) -> dict[str, Any]:
    """One cell in a fresh copy: warm up, measure, check what the trigger wrote."""
    with env.copy_of(prep.cluster, prep.write_template, COPY) as url:
        install(url, design)
        complaints_before = env.scalar(url, COUNT_COMPLAINTS)
        before = quiet.wait()
        with noise.Monitor(roots) as monitor:
            result = pgbench_runner.complaint_cell(
                prep.cluster,
                COPY,
                prep.scale.customers,
                clients,
                prep.scale.warmup_seconds,
                prep.scale.seconds,
                SETTINGS,
            )
        inserted = env.scalar(url, COUNT_COMPLAINTS) - complaints_before
        if design.trigger is not None:
            check_log(url, design, inserted)
        errors = env.scoring_errors(url) if design.pgchurn else None
    return {
        "design": design.name,
        "clients": clients,
        **result,
        "complaints": inserted,
        "scoring_errors": errors,
        "foreign_cores": monitor.mean() or 0.0,
        "foreign_cores_before": before,
    }


def check_log(url: str, design: Design, inserted: int) -> None:
    """A minimal design that skipped its work would measure nothing: one row per complaint."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(COUNT_LOG)
        logged, unscored = cur.fetchone()
    if logged != inserted:
        raise RuntimeError(f"{design.name}: {logged} log rows for {inserted} complaints")
    if design.trigger in ("m2_python", "m3_model", "m4_features") and unscored:
        raise RuntimeError(f"{design.name}: {unscored} of {logged} log rows have no score")


def figures(cells: list[dict[str, Any]], design: str, clients: int) -> list[float]:
    rows = sorted(
        (c for c in cells if c["design"] == design and c["clients"] == clients),
        key=lambda c: c["rep"],
    )
    return [c["tps"] for c in rows]


def summarize(cells: list[dict[str, Any]], clients_list: tuple[int, ...]) -> dict[str, Any]:
    """Throughput of each design, and its ratio to the floor, per client count."""
    out: dict[str, Any] = {}
    for design in DESIGNS:
        for clients in clients_list:
            tps = figures(cells, design.name, clients)
            out[f"{design.name}/{clients}"] = {
                "tps": spread(tps),
                "over_floor": paired_ratio(tps, figures(cells, FLOOR, clients)),
            }
    return out
