"""Issue 19's targets: each measure read from results.json, beside revision 0009's frozen figure.

`measures(doc)` reads every target's figure (median, min, max) out of a results document. The
same function froze revision 0009's figures into baseline_0009.json, from the full run
committed with bench/results/results.json (checkout 5df7db5, 2026-11-26):

    python -m bench.targets freeze <(git show 6b059ee:bench/results/results.json) \
        bench/results/baseline_0009.json --revision 0009 --commit 6b059ee

What 0009's run did not measure comes from BY_HAND, each figure with a note saying where from.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.env import RESULTS

BASELINE = RESULTS / "baseline_0009.json"
CLIENTS = (1, 4, 16)
BATCH_MODELS = ("LR", "GBDT-100")
PER_ROW_MODELS = ("LR", "RF-50", "GBDT-100")
# Section 4's engines that call churn.predict_many end to end: the composite-array form
# (in_db_batch) and revision 0016's column form (in_db_columns, in_db_columns_rows).
PREDICT_MANY_FORMS = ("in_db_batch", "in_db_columns")
Figure = dict[str, Any]  # median, min, max (min and max may be None), note (optional)


@dataclass(frozen=True)
class Target:
    key: str  # the key in measures() and in the baseline file
    text: str
    bound: float | None  # None: reported, no target
    at_least: bool
    digits: int
    rows: int = 0  # the target holds at this many score-log rows; fewer is not its scale

    @property
    def bound_text(self) -> str:
        if self.bound is None:
            return "(reported)"
        return f"{'≥' if self.at_least else '≤'} {self.bound:g}"

    def verdict(self, fig: Figure | None) -> str:
        if self.bound is None:
            return ""
        if fig is None or fig["median"] is None:
            return "not measured"
        value = fig["median"]
        if fig.get("rows", self.rows) < self.rows:
            return f"not at scale ({fig['rows']:,} rows)"
        ok = value >= self.bound if self.at_least else value <= self.bound
        return "met" if ok else "MISSED"


def _targets() -> list[Target]:
    out = [
        Target(f"b/a on/{n}", f"b/a throughput, sync on, {_clients(n)}", bound, True, 2)
        for n, bound in zip(CLIENTS, (0.7, 0.6, 0.5), strict=True)
    ]
    out += [Target(f"b/c tps/{n}", f"b/c throughput, {_clients(n)}", 30, True, 1) for n in CLIENTS]
    out += [
        Target(f"p99 c/b/{n}", f"p99(c) / p99(b), default notify mode, {_clients(n)}", 10, True, 1)
        for n in CLIENTS
    ]
    out.append(Target("bulk b/a", "COPY of 100k complaints, b/a time", 4, False, 1))
    for model in BATCH_MODELS:
        out.append(
            Target(
                f"batch {model}/1",
                f"batch rescoring / pandas job, {model}, 1 session",
                0.6,
                True,
                2,
            )
        )
        out.append(
            Target(
                f"batch {model}/2", f"batch rescoring / pandas job, {model}, --jobs 2", 1.0, True, 2
            )
        )
    out += [
        Target(f"predict_many {m}", f"JPMML / predict_many end to end, {m}", 1.0, True, 2)
        for m in PER_ROW_MODELS
    ]
    out += [
        Target(
            "first complaint ms",
            "first complaint on a fresh connection, GBDT-100, ms",
            15,
            False,
            1,
        ),
        Target(
            "log bytes/row",
            "score log, bytes per row (heap, TOAST and indexes)",
            300,
            False,
            0,
            100_000,  # below, the 24 empty partitions' pages weigh on every row
        ),
        Target("purge s", "purging a month of score log at 10M rows, s", 1, False, 2, 10**7),
        Target(
            "purge bloat",
            "after the purge: size / size of a table of the kept rows",
            1.05,
            False,
            2,
            10**7,
        ),
        Target("purge dead", "after the purge: dead tuples left (n_dead_tup)", None, False, 0),
    ]
    out += [
        Target(f"b/a off/{n}", f"b/a throughput, sync off, {_clients(n)}", None, True, 2)
        for n in CLIENTS
    ]
    out += [
        Target(
            f"outbox p99 c/b/{n}",
            f"notify_mode = outbox: p99(c) / p99(b), {_clients(n)}",
            None,
            True,
            1,
        )
        for n in CLIENTS
    ]
    return out


def _clients(n: int) -> str:
    return "1 client" if n == 1 else f"{n} clients"


TARGETS = _targets()


# ---------------------------------------------------------------------------- reading a run
def _section(doc: dict[str, Any], name: str) -> dict[str, Any]:
    entry = doc.get("sections", {}).get(name) or {}
    return entry.get("data") or {}


def _ratio(r: dict[str, Any] | None) -> Figure | None:
    if not r or r.get("median") is None:
        return None
    return {"median": r["median"], "min": r.get("min"), "max": r.get("max")}


def _quotient(num: dict[str, Any], den: dict[str, Any]) -> Figure | None:
    """num / den from two spreads; min-max pairs repetition i with repetition i."""
    if not num.get("median") or not den.get("median"):
        return None
    pairs = [a / b for a, b in zip(num.get("values", []), den.get("values", []), strict=False) if b]
    return {
        "median": num["median"] / den["median"],
        "min": min(pairs) if len(pairs) > 1 else None,
        "max": max(pairs) if len(pairs) > 1 else None,
    }


def _spread(s: dict[str, Any] | None, note: str | None = None) -> Figure | None:
    if not s or not s.get("n"):
        return None
    out = {"median": s["median"], "min": s.get("min"), "max": s.get("max")}
    return out | ({"note": note} if note else {})


def measures(doc: dict[str, Any]) -> dict[str, Figure]:
    """Every target's figure in a results document; absent when its section did not run."""
    out: dict[str, Figure | None] = {}
    ratios = _section(doc, "write_path").get("summary", {}).get("ratios", {})
    for key in ("b/a on", "b/c tps", "p99 c/b", "b/a off", "outbox p99 c/b"):
        for n in CLIENTS:
            out[f"{key}/{n}"] = _ratio(ratios.get(f"{key}/{n}"))
    out["bulk b/a"] = _ratio(_section(doc, "bulk").get("summary", {}).get("b/a"))
    batch = _section(doc, "batch").get("summary", {})
    for model in BATCH_MODELS:
        s = batch.get(model, {})
        out[f"batch {model}/1"] = _ratio(s.get("pgchurn/python"))
        out[f"batch {model}/2"] = _ratio(s.get("parallel/python"))
    per_row = _section(doc, "per_row").get("models", {})
    for model in PER_ROW_MODELS:
        m = per_row.get(model, {})
        forms = {
            k: v
            for k, v in m.items()
            if k.startswith(PREDICT_MANY_FORMS) and isinstance(v, dict) and v.get("n")
        }
        if "jpmml" in m and forms:
            best = min(forms, key=lambda k: forms[k]["median"])
            fig = _quotient(m["jpmml"], forms[best])
            out[f"predict_many {model}"] = fig and (fig | {"form": best})
    cold = _section(doc, "cold_start").get("GBDT-100", {}).get("summary", {})
    if cold.get("first_complaint_ms"):
        out["first complaint ms"] = _spread(cold["first_complaint_ms"])
    else:
        out["first complaint ms"] = _spread(
            cold.get("first_score_customer_ms"),
            "the first churn.score_customer, not a complaint: the only cold figure of this run",
        )
    log = _section(doc, "score_log")
    if fill := log.get("fill"):
        out["log bytes/row"] = {
            "median": fill["bytes_per_row"],
            "min": None,
            "max": None,
            "rows": fill["rows"],
        }
    if purge := log.get("purge"):
        at = {"rows": purge["rows"]}
        out["purge s"] = (_spread(purge.get("seconds")) or {}) | at
        out["purge bloat"] = {"median": purge["size_over_kept"], "min": None, "max": None} | at
        out["purge dead"] = {"median": purge["n_dead_tup"], "min": None, "max": None} | at
    return {k: v for k, v in out.items() if v is not None}


def noise(doc: dict[str, Any]) -> dict[str, Any]:
    """The floor's spread between repetitions, and the foreign CPU load, of a results document."""
    table = _section(doc, "write_path").get("summary", {}).get("table", {})
    floor = {
        str(n): table[f"a_floor_on/{n}"]["tps"].get("rel_range")
        for n in CLIENTS
        if f"a_floor_on/{n}" in table
    }
    loads = [
        c["foreign_cores"]
        for name in ("write_path", "bulk", "batch", "score_log")
        for c in _section(doc, name).get("cells", [])
    ]
    out: dict[str, Any] = {"floor_rel_range": floor}
    if loads:
        out["foreign_cores"] = {
            "mean": statistics.fmean(loads),
            "max": max(loads),
            "cells": len(loads),
            "cells_over_0_25": sum(1 for x in loads if x > 0.25),
        }
    return out


# ---------------------------------------------------------------------------- the table
def _num(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def figure_text(fig: Figure | None, digits: int) -> str:
    if fig is None:
        return "not measured"
    text = _num(fig["median"], digits)
    if fig.get("min") is not None and fig["min"] != fig["max"]:
        text += f" ({_num(fig['min'], digits)}–{_num(fig['max'], digits)})"
    return text


def load_baseline(path: Path = BASELINE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def rows(doc: dict[str, Any], baseline: dict[str, Any]) -> list[list[str]]:
    """measure | 0009 | now | target | met? - one row per target either run measured."""
    now, then = measures(doc), baseline.get("measures", {})
    out = []
    for t in TARGETS:
        if t.key not in now and t.key not in then:
            continue
        fig = now.get(t.key)
        old = then.get(t.key)
        old_text = figure_text(old, t.digits) + (" ¹" if old and old.get("note") else "")
        now_text = figure_text(fig, t.digits)
        if fig and fig.get("note"):
            now_text += f" ({fig['note']})"
        if fig and fig.get("form", "in_db_batch") != "in_db_batch":
            now_text += f" (form {fig['form']})"
        out.append([t.text, old_text, now_text, t.bound_text, t.verdict(fig)])
    return out


def notes(baseline: dict[str, Any]) -> list[str]:
    """The footnote on 0009's figures that were not measured as the target reads them."""
    lines = [
        f"  {t.text}: {baseline['measures'][t.key]['note']}"
        for t in TARGETS
        if baseline.get("measures", {}).get(t.key, {}).get("note")
    ]
    return ["¹ Revision 0009:", "", *(f"*{line[1:]}" for line in lines), ""] if lines else []


# ---------------------------------------------------------------------------- freezing
# What revision 0009's run did not measure, entered by hand into its baseline, with the source.
BY_HAND = {
    "0009": {
        "log bytes/row": {
            "median": 1100,
            "min": None,
            "max": None,
            "note": "not measured (the score_log section did not exist); issue 19's figure for"
            " the demo, about 1,100 bytes per row, nearly all of it heap for the two jsonb"
            " columns (measured at revision 0015, whose table is 0009's plus previous_model_id:"
            " 1,257, score_log_0015.json)",
        },
        **{
            key: {
                "median": value,
                "min": None,
                "max": None,
                "rows": 10_176_421,
                "note": "not measured at 0009 (the section did not exist); measured at revision"
                " 0015, whose churn.purge_score_log is byte for byte 0009's (a DELETE) and whose"
                " table is 0009's plus previous_model_id, on 10,176,421 rows, 783,061 of them"
                " purged; full scale, one repetition, score_log_0015.json",
            }
            for key, value in (
                ("purge s", 13.62144002200148),
                ("purge bloat", 1.1044833530600957),
                ("purge dead", 783_061),
            )
        },
    },
}


def freeze(source: Path, out: Path, revision: str, commit: str) -> dict[str, Any]:
    """A baseline file from a results document: its measures, its noise and where it came from."""
    doc = json.loads(source.read_text(encoding="utf-8"))
    sections = doc.get("sections", {})
    frozen = {
        "revision": revision,
        "source": {
            "file": "bench/results/results.json",
            "commit": commit,
            "scale": doc.get("scale", {}).get("name"),
            "sections": {
                name: {"finished_at": s["finished_at"], "checkout": s["git"]["commit"]}
                for name, s in sections.items()
            },
        },
        "measures": measures(doc) | BY_HAND.get(revision, {}),
        "noise": noise(doc),
    }
    out.write_text(json.dumps(frozen, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return frozen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.targets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("freeze", help="write a baseline file from a results.json")
    f.add_argument("source", type=Path)
    f.add_argument("out", type=Path)
    f.add_argument("--revision", required=True)
    f.add_argument("--commit", required=True, help="the commit that holds the source file")
    args = parser.parse_args(argv)
    frozen = freeze(args.source, args.out, args.revision, args.commit)
    print(f"wrote {args.out}: {len(frozen['measures'])} measures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
