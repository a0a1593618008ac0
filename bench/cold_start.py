"""Section 5, cold start and memory: the first score in a brand-new backend, per model.

For each model (activated in a copy of the write template), in a new connection each time:
  first_score_customer  the first churn.score_customer(id): starts Python, imports pgchurn's
                        code from churn.plpython_module, loads the model (its cached compiled
                        source from churn.model_compiled) and scores
  warm_score_customer   the second call in the same backend
  first_predict         the first churn.predict(features, model_id) in another new backend
  first_complaint       the first complaint INSERT (autocommit, so its commit-time rescoring runs
                        too) in another new backend: what an application's first event on a new
                        connection costs (the connection's setup excluded); warm_complaint the
                        second
and the backend's memory before and after the first call, from /proc/<pid>/status: VmRSS
(includes the shared buffers the backend touched) and RssAnon (its private memory).
The breakdown runs the steps one by one in yet another backend: an empty PL/Python DO block
(the interpreter), churn._load_code() (pgchurn's package), then the first score. The
complaint's breakdown does the same in one more backend, step by step: LOAD 'plpython3' (the
library), the empty DO block (Python's start), churn._load_code(), churn._score on the customer's
feature row (the imports of the scoring modules, the model's code, the first score and its
reasons), then the first complaint (what is left: planning and running the write path's SQL),
then a second one (warm).

Beside the benchmark models, a large forest (RF-large: unpruned trees, about 15 MB of PMML)
shows what a big model costs: the registering backend's peak memory growth (VmHWM, reset
through /proc/<pid>/clear_refs), and the same first-score figures once it is active.
"""

from __future__ import annotations

import json
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench import env
from bench.models import activate, model_ids
from bench.prepare import Prepared
from bench.stats import spread

CUSTOMER = 1
LARGE = "RF-large"
LARGE_TREES = 55  # unpruned, on 5,000 rows: about 15 MB of PMML


def rss_kb(pid: int) -> dict[str, int]:
    """VmRSS and RssAnon of a backend, in kB (we are root; the server runs as postgres)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon"):
            fields[name] = int(value.split()[0])
    return fields


def timed(cur: Any, query: str, args: tuple[object, ...] = ()) -> float:
    """Milliseconds of one statement, as the client sees it."""
    started = time.perf_counter()
    cur.execute(query, args)
    if cur.description is not None:
        cur.fetchall()
    return (time.perf_counter() - started) * 1000.0


def first_score(url: str, query: str, args: tuple[object, ...]) -> dict[str, Any]:
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
        before = rss_kb(pid)
        first = timed(cur, query, args)
        after = rss_kb(pid)
        warm = timed(cur, query, args)
    return {
        "first_ms": first,
        "warm_ms": warm,
        "vmrss_kb": [before["VmRSS"], after["VmRSS"]],
        "rssanon_kb": [before.get("RssAnon"), after.get("RssAnon")],
    }


def breakdown(url: str) -> dict[str, float]:
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        interpreter = timed(cur, "DO LANGUAGE plpython3u 'pass'")
        code = timed(cur, "SELECT churn._load_code()")
        score = timed(cur, "SELECT churn.score_customer(%s)", (CUSTOMER,))
    return {"interpreter_ms": interpreter, "load_code_ms": code, "first_score_ms": score}


COMPLAINT = (
    "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
    " VALUES (%s, 'billing', 3, 'phone')"
)
# The customers the complaints go to: each complaint of a run to another one.
COMPLAINT_CUSTOMERS = iter(range(CUSTOMER + 1, 1_000_000))


def cpu_ms(pid: int) -> float:
    """CPU time the backend has run, in ms (/proc/<pid>/schedstat, ns): unlike the client's
    clock, it does not count the time the backend waited for a core the others held."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6


def timed_cpu(cur: Any, pid: int, query: str, args: tuple[object, ...] = ()) -> tuple[float, float]:
    """(client ms, backend CPU ms) of one statement."""
    before = cpu_ms(pid)
    wall = timed(cur, query, args)
    return wall, cpu_ms(pid) - before


def backend_pid(cur: Any) -> int:
    cur.execute("SELECT pg_backend_pid()")
    return int(cur.fetchone()[0])


def first_complaint(url: str) -> dict[str, float]:
    """The first and second complaint INSERT (autocommit) in a new connection."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        pid = backend_pid(cur)
        first, first_cpu = timed_cpu(cur, pid, COMPLAINT, (next(COMPLAINT_CUSTOMERS),))
        warm = timed(cur, COMPLAINT, (next(COMPLAINT_CUSTOMERS),))
    return {"first_ms": first, "first_cpu_ms": first_cpu, "warm_ms": warm}


def load_code_call(url: str) -> tuple[str, tuple[object, ...]]:
    """churn._load_code as the entry points call it: with the version they expect (0016 on)."""
    version = env.scalar(url, "SELECT churn._load_code()")  # also caches the bytecode
    takes_version = env.scalar(
        url, "SELECT pronargs > 0 FROM pg_proc WHERE oid = 'churn._load_code'::regproc"
    )
    return ("SELECT churn._load_code(%s)", (version,)) if takes_version else (LOAD_CODE, ())


LOAD_CODE = "SELECT churn._load_code()"


def complaint_breakdown(
    url: str, sha: str, row: str, load_code: tuple[str, tuple[object, ...]]
) -> dict[str, float]:
    """The first complaint's work, step by step, in one new backend (see the docstring):
    client ms (`<step>_ms`) and backend CPU ms (`<step>_cpu`) of each."""
    steps = {
        "library_ms": ("LOAD 'plpython3'", ()),
        "interpreter_ms": ("DO LANGUAGE plpython3u 'pass'", ()),
        "load_code_ms": load_code,
        "score_ms": ("SELECT churn._score(%s, %s::churn.features)", (sha, row)),
        "sql_ms": (COMPLAINT, (next(COMPLAINT_CUSTOMERS),)),
        "warm_ms": (COMPLAINT, (next(COMPLAINT_CUSTOMERS),)),
    }
    out = {}
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        pid = backend_pid(cur)
        for step, (query, args) in steps.items():
            out[step], out[step.replace("_ms", "_cpu")] = timed_cpu(cur, pid, query, args)
    return out


def per_model(url: str, model_id: int, features: str, reps: int) -> dict[str, Any]:
    activate(url, model_id)
    sha = env.scalar(url, "SELECT pmml_sha256 FROM churn.model WHERE model_id = %s", (model_id,))
    row = env.scalar(
        url,
        "SELECT f::text FROM churn.feature_frame(now(), every_column => true) f"
        " WHERE f.customer_id = %s",
        (CUSTOMER,),
    )
    load_code = load_code_call(url)
    runs = [
        {
            "score_customer": first_score(url, "SELECT churn.score_customer(%s)", (CUSTOMER,)),
            "predict": first_score(
                url, "SELECT churn.predict(%s::jsonb, %s)", (features, model_id)
            ),
            "breakdown": breakdown(url),
            "complaint": first_complaint(url),
            "complaint_breakdown": complaint_breakdown(url, str(sha), str(row), load_code),
        }
        for _ in range(reps)
    ]
    return {"runs": runs, "summary": summarize(runs)}


COMPLAINT_STEPS = (
    "library_ms",
    "interpreter_ms",
    "load_code_ms",
    "score_ms",
    "sql_ms",
    "warm_ms",
)


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def pick(fn: Any) -> dict[str, Any]:
        return spread([fn(r) for r in runs])

    def grow(r: dict[str, Any], key: str) -> float:
        before, after = r["score_customer"][key]
        return (after - before) / 1024.0 if before is not None else float("nan")

    return {
        "first_score_customer_ms": pick(lambda r: r["score_customer"]["first_ms"]),
        "warm_score_customer_ms": pick(lambda r: r["score_customer"]["warm_ms"]),
        "first_predict_ms": pick(lambda r: r["predict"]["first_ms"]),
        "interpreter_ms": pick(lambda r: r["breakdown"]["interpreter_ms"]),
        "load_code_ms": pick(lambda r: r["breakdown"]["load_code_ms"]),
        "model_and_first_score_ms": pick(lambda r: r["breakdown"]["first_score_ms"]),
        "first_complaint_ms": pick(lambda r: r["complaint"]["first_ms"]),
        "first_complaint_cpu_ms": pick(lambda r: r["complaint"]["first_cpu_ms"]),
        "warm_complaint_ms": pick(lambda r: r["complaint"]["warm_ms"]),
        **{
            f"complaint_{step}": pick(lambda r, step=step: r["complaint_breakdown"][step])
            for step in COMPLAINT_STEPS
        },
        **{
            f"complaint_{step[:-3]}_cpu": pick(
                lambda r, step=step: r["complaint_breakdown"][step.replace("_ms", "_cpu")]
            )
            for step in COMPLAINT_STEPS
        },
        "vmrss_growth_mb": pick(lambda r: grow(r, "vmrss_kb")),
        "rssanon_growth_mb": pick(lambda r: grow(r, "rssanon_kb")),
        "vmrss_after_mb": pick(lambda r: r["score_customer"]["vmrss_kb"][1] / 1024.0),
    }


def large_forest(folder: Path) -> str:
    """A random forest of unpruned trees, exported with verification rows."""
    from pgchurn.train.export import export_pmml
    from pgchurn.train.pipelines import build_pipeline

    from tests import datasets
    from tests.trained import CATEGORICAL, INPUTS, NUMERIC

    frame = datasets.fill_missing(datasets.telecom_churn(5000, 0))
    pipeline = build_pipeline("forest", numeric=NUMERIC, categorical=CATEGORICAL)
    pipeline.set_params(classifier__n_estimators=LARGE_TREES, classifier__max_depth=None)
    pipeline.fit(frame[INPUTS], frame[datasets.TARGET])
    sample = frame[INPUTS].sample(n=100, random_state=0)
    return export_pmml(pipeline, sample, folder / "rf-large.pmml")


def register_measured(url: str, pmml: str) -> tuple[int, dict[str, float]]:
    """Register a document in a new backend; its peak memory growth and the time taken."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        before = rss_kb(pid)["VmRSS"]
        started = time.perf_counter()
        cur.execute("SELECT churn.register_model(%s, %s)", (pmml, f"bench-{LARGE}"))
        model_id = int(cur.fetchone()[0])
        seconds = time.perf_counter() - started
        peak = _hwm_kb(pid)
        conn.commit()
    size = len(pmml.encode("utf-8"))
    growth = (peak - before) * 1024.0
    return model_id, {
        "document_mb": size / 1e6,
        "peak_growth_mb": growth / 1e6,
        "times_document": growth / size,
        "seconds": seconds,
    }


def _hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for backend {pid}")


def run(prep: Prepared, *, say: Any = print) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with env.copy_of(prep.cluster, prep.write_template) as url:
        features = json.dumps(env.scalar(url, "SELECT churn.customer_features(%s)", (CUSTOMER,)))
        ids = model_ids(url)
        with tempfile.TemporaryDirectory() as folder:
            pmml = large_forest(Path(folder))
        ids[LARGE], registration = register_measured(url, pmml)
        say(
            f"  {LARGE}: registering {registration['document_mb']:.1f} MB of PMML took"
            f" {registration['seconds']:.1f} s and {registration['peak_growth_mb']:.0f} MB at"
            f" peak ({registration['times_document']:.1f}x the document)"
        )
        for label, model_id in ids.items():
            out[label] = per_model(
                url, model_id, features, max(prep.scale.cold_reps, prep.scale.reps)
            )
            s = out[label]["summary"]
            steps = " + ".join(
                f"{s[f'complaint_{step[:-3]}_cpu']['median']:.1f}" for step in COMPLAINT_STEPS[:-1]
            )
            say(
                f"  {label:<9} first complaint {s['first_complaint_ms']['median']:.1f} ms"
                f" (backend CPU {s['first_complaint_cpu_ms']['median']:.1f} ms; steps, CPU ms:"
                f" {steps}), first score_customer"
                f" {s['first_score_customer_ms']['median']:.1f} ms"
                f" (warm {s['warm_score_customer_ms']['median']:.2f} ms), RSS +"
                f"{s['vmrss_growth_mb']['median']:.1f} MB (private +"
                f"{s['rssanon_growth_mb']['median']:.1f} MB)"
            )
        out[LARGE]["registration"] = registration
    return out
