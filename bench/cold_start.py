"""Section 5, cold start and memory: the first score in a brand-new backend, per model.

For each model (activated in a copy of the write template), in a new connection each time:
  first_score_customer  the first churn.score_customer(id): starts Python, imports pgchurn's
                        code from churn.plpython_module, loads the model (its cached compiled
                        source from churn.model_compiled) and scores
  warm_score_customer   the second call in the same backend
  first_predict         the first churn.predict(features, model_id) in another new backend
and the backend's memory before and after the first call, from /proc/<pid>/status: VmRSS
(includes the shared buffers the backend touched) and RssAnon (its private memory).
The breakdown runs the steps one by one in yet another backend: an empty PL/Python DO block
(the interpreter), churn._load_code() (pgchurn's package), then the first score.
"""

from __future__ import annotations

import json
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench import env
from bench.models import activate, model_ids
from bench.prepare import Prepared
from bench.stats import spread

CUSTOMER = 1


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


def per_model(url: str, model_id: int, features: str, reps: int) -> dict[str, Any]:
    activate(url, model_id)
    runs = [
        {
            "score_customer": first_score(url, "SELECT churn.score_customer(%s)", (CUSTOMER,)),
            "predict": first_score(
                url, "SELECT churn.predict(%s::jsonb, %s)", (features, model_id)
            ),
            "breakdown": breakdown(url),
        }
        for _ in range(reps)
    ]
    return {"runs": runs, "summary": summarize(runs)}


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
        "vmrss_growth_mb": pick(lambda r: grow(r, "vmrss_kb")),
        "rssanon_growth_mb": pick(lambda r: grow(r, "rssanon_kb")),
        "vmrss_after_mb": pick(lambda r: r["score_customer"]["vmrss_kb"][1] / 1024.0),
    }


def run(prep: Prepared, *, say: Any = print) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with env.copy_of(prep.cluster, prep.write_template) as url:
        features = json.dumps(env.scalar(url, "SELECT churn.customer_features(%s)", (CUSTOMER,)))
        for label, model_id in model_ids(url).items():
            out[label] = per_model(
                url, model_id, features, max(prep.scale.cold_reps, prep.scale.reps)
            )
            s = out[label]["summary"]
            say(
                f"  {label:<9} first score_customer {s['first_score_customer_ms']['median']:.1f} ms"
                f" (warm {s['warm_score_customer_ms']['median']:.2f} ms), RSS +"
                f"{s['vmrss_growth_mb']['median']:.1f} MB (private +"
                f"{s['rssanon_growth_mb']['median']:.1f} MB)"
            )
    return out
