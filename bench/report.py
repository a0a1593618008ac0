"""REPORT.md and its plots, rendered from results.json alone."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bench import plots, targets
from bench.env import ROOT

REPORT = "REPORT.md"
NOT_RUN = "_Not run yet: `python -m bench.run --only {}`._"
Rows = list[list[str]]


# ---------------------------------------------------------------------------- formatting
def num(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def spread_text(s: dict[str, Any] | None, digits: int = 0) -> str:
    """median (min–max) of the repetitions, or the value of a single one."""
    if not s or not s.get("n"):
        return "–"
    if s["n"] == 1:
        return num(s["median"], digits)
    return f"{num(s['median'], digits)} ({num(s['min'], digits)}–{num(s['max'], digits)})"


def ratio_text(r: dict[str, Any] | None, digits: int = 2) -> str:
    if not r or r.get("median") is None:
        return "–"
    if r.get("min") is None or r["min"] == r["max"]:
        return num(r["median"], digits)
    return f"{num(r['median'], digits)} ({num(r['min'], digits)}–{num(r['max'], digits)})"


def table(header: list[str], rows: Rows) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return [*lines, *("| " + " | ".join(row) + " |" for row in rows), ""]


def timers_table(timers: list[dict[str, Any]], unit: str, min_us: float = 0.5) -> list[str]:
    rows = [
        [t["what"].replace("|", "\\|"), num(t["calls_per_event"], 3), num(t["us_per_event"], 1)]
        for t in timers
        if t["us_per_event"] >= min_us
    ]
    return table(["what (timers nest)", f"calls per {unit}", f"µs per {unit}"], rows)


def data(doc: dict[str, Any], name: str) -> dict[str, Any] | None:
    section = doc.get("sections", {}).get(name)
    return section.get("data") if section else None


# ---------------------------------------------------------------------------- targets
def target_lines(doc: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Issue 19's targets: revision 0009's frozen figure, this run's, the target, met or not."""
    rev = baseline.get("revision", "0009")
    src = baseline.get("source", {})
    lines = [
        "## Targets (issue 19)",
        "",
        f"Revision {rev}: the full run of {_run_day(src)} (checkout"
        f" {_checkouts(src)}), frozen in `baseline_{rev}.json`. Now: this run, median"
        " (min–max) of the repetitions; a ratio's range pairs repetition *i* with repetition *i*.",
        "",
    ]
    header = ["measure", rev, "now: median (min–max)", "target", "met?"]
    return [*lines, *table(header, targets.rows(doc, baseline)), *targets.notes(baseline)]


def _run_day(src: dict[str, Any]) -> str:
    days = sorted({s["finished_at"][:10] for s in src.get("sections", {}).values()})
    return ", ".join(days) or "?"


def _checkouts(src: dict[str, Any]) -> str:
    return ", ".join(sorted({s["checkout"] for s in src.get("sections", {}).values()})) or "?"


def clients_text(n: int) -> str:
    return "1 client" if n == 1 else f"{n} clients"


# ---------------------------------------------------------------------------- 1. write path
def write_path_lines(wp: dict[str, Any] | None) -> list[str]:
    lines = ["## 1. Per-event write path", ""]
    if not wp:
        return [*lines, NOT_RUN.format("write_path"), ""]
    rows = []
    for key, s in wp["summary"]["table"].items():
        arm, clients = key.rsplit("/", 1)
        rows.append(
            [
                wp["arms"][arm],
                clients,
                spread_text(s["tps"]),
                spread_text(s["p50"], 2),
                spread_text(s["p99"], 2),
            ]
        )
    lines += [
        "Median (min–max) of the repetitions. Latency in ms from pgbench's per-transaction log",
        "(each client's first transaction, which starts its backend, is left out); for (c) from",
        "the client's own timer around each event's transaction.",
        "",
        *table(["arm", "clients", "events/s", "p50 ms", "p99 ms"], rows),
        "![throughput](throughput.png)",
        "",
        "![latency](latency.png)",
        "",
        *trigger_outcome(wp["cells"]),
    ]
    return lines + trigger_profile_lines(wp.get("profile"))


# ---------------------------------------------------------------------------- 1b. lower bound
def lower_bound_lines(lb: dict[str, Any] | None) -> list[str]:
    lines = ["## 1b. How close any design can come: minimal write paths", ""]
    if not lb:
        return [*lines, NOT_RUN.format("lower_bound"), ""]
    clients = sorted({c["clients"] for c in lb["cells"]})
    rows = []
    for name, label in lb["designs"].items():
        row = [label]
        for n in clients:
            s = lb["summary"][f"{name}/{n}"]
            ratio = "" if name == "a_floor_on" else f" · {ratio_text(s['over_floor'])}"
            row.append(spread_text(s["tps"]) + ratio)
        rows.append(row)
    lines += [
        "The write path's pgbench script, synchronous_commit on, each cell in a fresh copy",
        "of the write template, repetitions interleaved (`bench/lower_bound.py`). Each minimal",
        "design is a row trigger that does less than pgchurn must (`bench/lower_bound/minimal.sql`",
        "lists what each leaves out), so its share of the floor bounds b/a from above for any",
        "design that does at least as much. Events/s, median (min–max), · the share of the",
        "floor's (paired by repetition).",
        "",
        *table(["design", *(clients_text(n) for n in clients)], rows),
    ]
    recorded = [c["scoring_errors"] for c in lb["cells"] if c.get("scoring_errors")]
    if recorded:
        errors = sum(e["count"] for e in recorded)
        lines += [f"Scoring errors recorded by pgchurn in its cells: **{errors}**.", ""]
    return lines


def trigger_outcome(cells: list[dict[str, Any]]) -> list[str]:
    errors = sum(c["scoring_errors"]["count"] for c in cells)
    mine = [c for c in cells if c["arm"].startswith("b_pgchurn")]
    sent, scored = sum(c["notified"] for c in mine), sum(c["scored"] for c in mine)
    share = f"{100 * sent / scored:.0f}%" if scored else "–"
    return [
        f"Scoring errors recorded by the trigger, all cells: **{errors}**. Share of pgchurn's"
        f" scores that sent a `pg_notify` (arms b): **{share}** of {scored:,}.",
        "",
    ]


def trigger_profile_lines(p: dict[str, Any] | None) -> list[str]:
    if not p:
        return []
    rows = [
        [
            mode,
            num(m["with_trigger_us"]),
            num(m["trigger_python_us"]),
            num(m["trigger_outside_python_us"]),
        ]
        for mode, m in p["modes"].items()
    ]
    header = [
        "plan_cache_mode",
        "µs per insert, trigger on",
        "of which churn._score (Python)",
        "the rest: the trigger's SQL (lock, features, profile, score log, notify)",
    ]
    return [
        "### Where the trigger's time goes",
        "",
        f"One backend, synchronous_commit=off, {p['inserts']:,} single-row inserts per pass"
        f" (bench/backend_profile.py). The same insert without the trigger: **{num(p['floor_us'])}"
        " µs**.",
        "",
        *table(header, rows),
        *timers_table(p["modes"]["auto"]["timers"], "insert"),
        *function_times_lines(p.get("functions")),
        "cProfile of churn._score during those inserts (own time):",
        "",
        "```",
        p.get("cprofile_top", "").strip()[:3500],
        "```",
        "",
    ]


def function_times_lines(functions: list[dict[str, Any]] | None) -> list[str]:
    """PostgreSQL's own per-function times (track_functions = pl), per insert."""
    if not functions:
        return []
    rows = [
        [f["function"], num(f["calls_per_event"], 3), num(f["total_us"], 1), num(f["self_us"], 1)]
        for f in functions
    ]
    return [
        "PostgreSQL's accounting of the same inserts (track_functions = pl; it adds a little"
        " to every call): the trigger functions, the commit-time statement and the Python call.",
        "",
        *table(["function", "calls per insert", "µs total", "µs own"], rows),
    ]


# ---------------------------------------------------------------------------- 2. bulk
def bulk_lines(b: dict[str, Any] | None) -> list[str]:
    lines = ["## 2. Bulk load", ""]
    if not b:
        return [*lines, NOT_RUN.format("bulk"), ""]
    s, rows = b["summary"], b["rows"]
    cell = next(c for c in b["cells"] if c["arm"] == "b_pgchurn")
    body = [
        ["(a) trigger disabled", spread_text(s["a_floor"], 2), num(rows / s["a_floor"]["median"])],
        ["(b) with pgchurn", spread_text(s["b_pgchurn"], 2), num(rows / s["b_pgchurn"]["median"])],
    ]
    profile = b.get("profile") or {}
    return [
        *lines,
        f"COPY of {rows:,} complaints for {cell['customers_touched']:,} distinct customers in one"
        " transaction, commit included.",
        "",
        *table(["arm", "seconds", "complaints/s"], body),
        f"Scores logged by (b): {cell['score_log_rows']:,}; scoring errors:"
        f" {cell['scoring_errors']['count']}.",
        "",
        f"Profiled COPY with pgchurn: {num(profile.get('us_per_event'), 1)} µs per complaint:",
        "",
        *timers_table(profile.get("timers", []), "complaint"),
    ]


# ---------------------------------------------------------------------------- 3. batch
def batch_lines(b: dict[str, Any] | None) -> list[str]:
    lines = ["## 3. Batch rescoring", ""]
    if not b:
        return [*lines, NOT_RUN.format("batch"), ""]
    rows = [
        [
            label,
            spread_text(s["pgchurn"]),
            spread_text(s["parallel"]) if "parallel" in s else "",
            spread_text(s["python"]),
            ratio_text(s["pgchurn/python"]),
            ratio_text(s["parallel/python"]) if "parallel/python" in s else "",
        ]
        for label, s in b["summary"].items()
    ]
    header = [
        "model",
        "pgchurn: CALL churn.rescore_all() (1 session)",
        "pgchurn rescore --jobs 2",
        "pandas + scikit-learn + COPY/UPDATE",
        "1 session / python",
        "--jobs 2 / python",
    ]
    lines += [f"{b['profiles']:,} profiles; rows per second, median (min–max).", ""]
    lines += [*table(header, rows), "![batch](batch.png)", ""]
    return lines + python_phase_lines(b) + batch_profile_lines(b.get("profile"))


def python_phase_lines(b: dict[str, Any]) -> list[str]:
    cells = [c for c in b["cells"] if c["arm"] == "python" and c["rep"] == 0]
    if not cells:
        return []
    rows = [[c["model"], *(num(v, 2) for v in c["phases"].values())] for c in cells]
    header = ["model", *(k.removesuffix("_s") + " s" for k in cells[0]["phases"])]
    return ["The alternative's phases (first repetition):", "", *table(header, rows)]


def batch_profile_lines(p: dict[str, Any] | None) -> list[str]:
    lines = []
    for label, prof in (p or {}).items():
        lines += [
            f"pgchurn's `churn.rescore_batch`, {label}: {prof['events']:,} rows profiled,"
            f" {num(prof['us_per_event'])} µs per row as the client sees it:",
            "",
        ]
        lines += timers_table(prof["timers"], "row")
    return lines


# ---------------------------------------------------------------------------- 4. per row
ENGINES = {
    "in_db": "pgchurn in PostgreSQL: churn.predict(jsonb, id)",
    "in_db_noop": "PL/Python no-op taking the same jsonb (floor)",
    "in_db_batch": "pgchurn in PostgreSQL, batch: churn.predict_many(churn.features[], id)",
    "in_db_columns": "pgchurn in PostgreSQL, batch, column form: churn.predict_many(id, names,"
    " float8[][], names, text[][]) over a table of one column per field",
    "in_db_columns_rows": "the same column form, its arrays built from the churn.features rows",
    "in_db_runtime": "pgchurn runtime inside PostgreSQL, records already in the backend",
    "python": "pgchurn runtime in plain Python: score()",
    "python_explain": "pgchurn runtime in plain Python: explain()",
    "jpmml": "JPMML-Evaluator 1.7.7, JVM, warm",
    "sklearn_row": "scikit-learn predict_proba, one-row DataFrame",
    "sklearn_batch": "scikit-learn predict_proba, all rows at once, per row",
}


def per_row_lines(p: dict[str, Any] | None) -> list[str]:
    lines = ["## 4. Per-row model evaluation", ""]
    if not p:
        return [*lines, NOT_RUN.format("per_row"), ""]
    models = p["models"]
    rows = [
        [text, *(spread_text(models[m].get(k), 1) for m in models)] for k, text in ENGINES.items()
    ]
    parity = [
        " / ".join(
            f"{models[m]['parity_max_abs_diff'][k]:.0e}"
            for k in ("python", "in_db_batch", "in_db_columns", "jpmml")
            if k in models[m]["parity_max_abs_diff"]
        )
        for m in models
    ]
    rows.append(
        [
            "max \\|difference\\| from scikit-learn (plain Python / predict_many /"
            " its column form / JPMML)",
            *parity,
        ]
    )
    if all("columns_bit_identical" in models[m] for m in models):
        rows.append(
            [
                "column form's scores bit for bit those of churn.features[]",
                *("yes" if models[m]["columns_bit_identical"] else "NO" for m in models),
            ]
        )
    lines += [
        f"µs per record over {p['records']:,} records, median (min–max). In PostgreSQL runs"
        " the code the migrations installed; plain Python runs the checkout's plpython/.",
        "",
    ]
    lines += [*table(["engine", *models], rows), "![per row](per_row.png)", ""]
    for label, m in models.items():
        prof = m.get("in_db_profile") or {}
        lines += [
            f"Inside `churn.predict`, {label} (profiled scan, "
            f"{num(prof.get('us_per_event'), 1)} µs per row):",
            "",
        ]
        lines += timers_table(prof.get("timers", []), "row", 0.05)
    return lines


# ---------------------------------------------------------------------------- 5. cold start
COLD = {
    "first_score_customer_ms": "first churn.score_customer in a new backend, ms",
    "warm_score_customer_ms": "second call in the same backend, ms",
    "first_predict_ms": "first churn.predict in a new backend, ms",
    "interpreter_ms": "breakdown: empty PL/Python DO block, ms",
    "load_code_ms": "breakdown: then churn._load_code(), ms",
    "model_and_first_score_ms": "breakdown: then model load and first score, ms",
    "first_complaint_ms": "first complaint INSERT (autocommit) in a new backend, ms",
    "first_complaint_cpu_ms": "its backend's CPU time (schedstat), ms",
    "warm_complaint_ms": "second complaint in the same backend, ms",
    "complaint_library_ms": "complaint breakdown: LOAD 'plpython3', ms",
    "complaint_interpreter_ms": "complaint breakdown: then an empty DO block (Python starts), ms",
    "complaint_load_code_ms": "complaint breakdown: then churn._load_code(), ms",
    "complaint_score_ms": "complaint breakdown: then churn._score (imports, model, reasons), ms",
    "complaint_sql_ms": "complaint breakdown: then the first complaint (its SQL), ms",
    "complaint_warm_ms": "complaint breakdown: then a second complaint, ms",
    "complaint_library_cpu": "complaint breakdown, backend CPU: LOAD 'plpython3', ms",
    "complaint_interpreter_cpu": "complaint breakdown, backend CPU: Python's start, ms",
    "complaint_load_code_cpu": "complaint breakdown, backend CPU: churn._load_code(), ms",
    "complaint_score_cpu": "complaint breakdown, backend CPU: churn._score, ms",
    "complaint_sql_cpu": "complaint breakdown, backend CPU: the complaint's SQL, ms",
    "complaint_warm_cpu": "complaint breakdown, backend CPU: a second complaint, ms",
    "vmrss_growth_mb": "backend VmRSS growth over the first call, MB",
    "rssanon_growth_mb": "backend private memory (RssAnon) growth, MB",
    "vmrss_after_mb": "backend VmRSS afterwards, MB",
}


JPMML_LOAD = (
    "for comparison, JPMML-Evaluator 1.7.7: load, build and verify the same document"
    " in a running JVM (JVM start not included; section 4's harness), ms"
)


def cold_lines(c: dict[str, Any] | None, per_row: dict[str, Any] | None) -> list[str]:
    lines = ["## 5. Cold start and memory", ""]
    if not c:
        return [*lines, NOT_RUN.format("cold_start"), ""]
    rows = [
        [text, *(spread_text(c[m]["summary"][k], 1) for m in c)]
        for k, text in COLD.items()
        if all(k in c[m]["summary"] for m in c)  # the complaint's rows since issue 19
    ]
    jvm = (per_row or {}).get("models", {})
    if any(m in jvm and "load_ms" in jvm[m].get("jpmml", {}) for m in c):
        loads = [jvm.get(m, {}).get("jpmml", {}).get("load_ms") for m in c]
        rows.append([JPMML_LOAD, *("–" if x is None else f"{x:,.0f}" for x in loads)])
    lines += table(["", *c], rows)
    for m, entry in c.items():
        if reg := entry.get("registration"):
            lines += [
                "",
                f"Registering {m} ({reg['document_mb']:.1f} MB of PMML) took"
                f" {reg['seconds']:.1f} s; the registering backend's memory grew by"
                f" {reg['peak_growth_mb']:.0f} MB at peak, {reg['times_document']:.1f}x the"
                " document (about 5x of it is PostgreSQL's and Python's own copies of the"
                " document before pgchurn's code runs).",
            ]
    return lines


# ---------------------------------------------------------------------------- 7. score log
def _mb(b: float) -> str:
    return f"{b / 1e6:,.1f}"


def score_log_lines(d: dict[str, Any] | None) -> list[str]:
    lines = ["## 7. The score log: bytes per row, and purging a month", ""]
    if not d:
        return [*lines, NOT_RUN.format("score_log"), ""]
    f, p = d["fill"], d["purge"]
    per = [
        ["heap", num(f["heap_per_row"]), _mb(f["heap_bytes"])],
        [
            "TOAST, free-space and visibility maps",
            num(f["toast_and_maps_per_row"]),
            _mb(f["toast_and_maps_bytes"]),
        ],
        ["indexes", num(f["index_per_row"]), _mb(f["index_bytes"])],
        ["**total**", f"**{num(f['bytes_per_row'])}**", _mb(f["total_bytes"])],
    ]
    after, kept = p["after"], p["kept_only"]
    sizes = [
        [
            what,
            _mb(x["heap_bytes"]),
            _mb(x["toast_and_maps_bytes"]),
            _mb(x["index_bytes"]),
            _mb(x["total_bytes"]),
        ]
        for what, x in (
            ("before the purge", p["sizes_before"]),
            ("after the purge", after),
            ("the kept rows alone, stored anew", kept),
        )
    ]
    return [
        *lines,
        f"Storage: {f['design']}.",
        "",
        f"**(a) Bytes per row.** {f['rows']:,} rows: {f['template_rows']:,} from the template's"
        f" `churn.rescore_all`, then {f['complaint_rows']:,} logged by"
        f" {f['complaint_statements']:,} complaint INSERTs through the trigger."
        + (
            ""
            if f.get("compact_rows") is None
            else f" {f['compact_rows']:,} of them stored packed (inputs bytea), the rest as jsonb."
        ),
        "",
        *table(["", "bytes per row", "MB"], per),
        f"**(b) Purge.** {p['rows']:,} rows, {p['generated_rows']:,} of them generated evenly"
        f" from {p['from'][:10]} to {p['to'][:10]} (copies of {p['sample_rows']:,} real scored"
        f" rows). score_log_retention_days = {p['retention_days']}: {p['rows_past_retention']:,}"
        f" rows past retention (the oldest month, and the second-oldest's first hours)."
        + (
            f" The writer had logged jsonb: the bench packed the {p['sample_packed_by_bench']:,}"
            " sampled rows as the compact writer stores them (inputs, no features or reasons)."
            if p.get("sample_packed_by_bench")
            else ""
        ),
        "",
        f"`SELECT churn.purge_score_log()`: **{spread_text(p['seconds'], 3)} s**, {p['purged']:,}"
        f" rows removed. Dead tuples left (n_dead_tup): {p['n_dead_tup']:,}. Size after the"
        f" purge over the kept rows stored anew: {p['size_over_kept']:.3f}.",
        "",
        *table(["MB", "heap", "TOAST and maps", "indexes", "total"], sizes),
    ]


# ---------------------------------------------------------------------------- noise
def drift_lines(d: dict[str, Any] | None) -> list[str]:
    lines = ["## 6. Feature drift over a month of logged scores", ""]
    if not d:
        return [*lines, NOT_RUN.format("drift"), ""]
    folded = d["folded_s"]
    rows = [
        ["score-log rows, over 30 days", num(d["log_rows"])],
        ["features compared", num(d["features"])],
        ["churn.feature_drift before any fold, s", num(d["unfolded_s"], 2)],
        ["churn.fold_feature_drift(), s (once; then only new hours)", num(d["fold_s"], 2)],
        ["churn.drift_tally rows", num(d["tally_rows"])],
        ["churn.feature_drift after the fold, s: median (min–max)", spread_text(folded, 3)],
        ["before / after", num(d["unfolded_s"] / folded["median"], 0) + "x"],
        ["largest difference of a value between the two", f"{d['largest_value_difference']:.1e}"],
    ]
    return [*lines, *table(["", ""], rows)]


def noise_lines(doc: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    lines = ["## How noisy the machine was", ""]
    for label, n in (("This run", targets.noise(doc)), (baseline.get("revision"), None)):
        if n is None:
            if not baseline.get("noise"):
                continue
            n, label = baseline["noise"], f"Revision {baseline['revision']}'s run"
        if floor := n.get("floor_rel_range"):
            text = ", ".join(
                f"{clients_text(int(c))} {100 * (r or 0):.0f}%" for c, r in floor.items()
            )
            lines.append(
                f"* {label}: floor TPS (arm a, sync on), (max−min)/median over the repetitions:"
                f" {text}."
            )
        if load := n.get("foreign_cores"):
            lines.append(
                f"* {label}: CPU used by other people's processes during our measurements: mean"
                f" {load['mean']:.2f} cores, max {load['max']:.2f} of 2;"
                f" {load['cells_over_0_25']} of {load['cells']} measurements saw more than 0.25"
                " cores (bench/noise.py)."
            )
    return [*lines, ""]


# ---------------------------------------------------------------------------- the document
def header(doc: dict[str, Any], out: Path) -> list[str]:
    scale, m = doc.get("scale", {}), doc.get("machine", {})
    stamps = [stamp(name, v) for name, v in doc.get("sections", {}).items()]
    return [
        "# pgchurn benchmark report",
        "",
        "Written by `python -m bench.run` from `results.json`. How to reproduce it and read it:",
        f"[bench/README.md]({os.path.relpath(ROOT / 'bench' / 'README.md', out)}). Figures are"
        " medians of the repetitions with (min–max);",
        "every ratio is taken between figures of the same run.",
        "",
        f"* Scale **{scale.get('name')}**: {num(scale.get('customers'))} customers for the write"
        f" path, bulk load, per-row and cold start; {num(scale.get('batch_customers'))} profiles"
        f" for batch rescoring; {scale.get('reps')} repetitions; {scale.get('seconds')} s per"
        " write-path cell.",
        f"* Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory_gb')} GB RAM;"
        f" {m.get('postgres')}; Python {m.get('python')}; {m.get('java')}.",
        "* Sections:",
        *stamps,
        "",
    ]


def stamp(name: str, v: dict[str, Any]) -> str:
    """When a section ran, on which checkout, and which migrations its databases were built from."""
    built = sorted({t["code"] for t in v.get("templates", {}).values()})
    now = v["git"]["migrations_fingerprint"]
    drift = "" if built == [now] else f" (the checkout's migrations were {now} by then)"
    return (
        f"  * {name}: finished {v['finished_at']}, {v['seconds'] / 60:.1f} min; checkout"
        f" {v['git']['commit']} with {v['git']['dirty_files']} uncommitted files; databases"
        f" built from migrations {', '.join(built)}{drift}"
    )


def failures(doc: dict[str, Any]) -> list[str]:
    failed = {k: v["error"] for k, v in doc.get("sections", {}).items() if v.get("error")}
    lines = ["## Sections that failed", ""] if failed else []
    for name, error in failed.items():
        lines += [f"**{name}**", "", "```", error.strip()[-3000:], "```", ""]
    return lines


def render(doc: dict[str, Any], out: Path) -> str:
    baseline = targets.load_baseline()
    lines = [*header(doc, out), *target_lines(doc, baseline), *noise_lines(doc, baseline)]
    lines += write_path_lines(data(doc, "write_path")) + lower_bound_lines(data(doc, "lower_bound"))
    lines += bulk_lines(data(doc, "bulk"))
    lines += batch_lines(data(doc, "batch")) + per_row_lines(data(doc, "per_row"))
    lines += cold_lines(data(doc, "cold_start"), data(doc, "per_row"))
    lines += drift_lines(data(doc, "drift")) + score_log_lines(data(doc, "score_log"))
    lines += failures(doc)
    return "\n".join(lines) + "\n"


def write(doc: dict[str, Any], out: Path) -> Path:
    """REPORT.md and the plots into `out`; returns the report's path."""
    out.mkdir(parents=True, exist_ok=True)
    plots.draw(doc, out)
    path = out / REPORT
    path.write_text(render(doc, out), encoding="utf-8")
    return path
