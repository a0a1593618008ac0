"""Section 3, batch rescoring of every profile: pgchurn against what a user would write.

  pgchurn  CALL churn.rescore_all(batch_size): in committed batches, every profile rescored
           with the active model, its windowed counters refreshed and a churn.score_log row
           (features and top reasons as jsonb) written per profile
  parallel the same work by `pgchurn rescore --jobs 2` (rescore_parallel): two sessions
           claim chunks of one run, one per core
  python   the alternative: COPY churn.feature_frame(now()) out to pandas, scikit-learn
           predict_proba (the same fitted pipeline), COPY the scores into a temp table and
           UPDATE the profiles from it, in one transaction; no log, no reasons
For LR and GBDT-100, each run in a fresh copy of the batch template. Rows per second. Then
bench.backend_profile times the phases of churn.rescore_batch from inside the backend.
"""

from __future__ import annotations

import io
import time
from contextlib import closing
from typing import Any

import pandas as pd
from pgchurn.train.features import expand_attributes

from bench import backend_profile, env, noise
from bench.models import Trained, activate, model_ids
from bench.prepare import Prepared
from bench.rest_service import frame_of
from bench.stats import paired_ratio, spread
from pgchurn.rescore_cli import rescore_parallel

MODELS = ("LR", "GBDT-100")
ARMS = ("pgchurn", "parallel", "python")
JOBS = 2
EXPORT = "COPY (SELECT * FROM churn.feature_frame(now())) TO STDOUT WITH (FORMAT csv, HEADER true)"
TEMP = "CREATE TEMP TABLE new_scores (customer_id bigint, score double precision) ON COMMIT DROP"
UPDATE = (
    "UPDATE churn.customer_score p SET churn_score = s.score, churn_scored_at = now()"
    " FROM new_scores s WHERE p.customer_id = s.customer_id"
)


def pgchurn_arm(url: str, batch_size: int) -> dict[str, Any]:
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        started = time.perf_counter()
        cur.execute("CALL churn.rescore_all(%s)", (batch_size,))
        seconds = time.perf_counter() - started
        cur.execute("SELECT rows_done FROM churn.rescore_run ORDER BY run_id DESC LIMIT 1")
        rows = int(cur.fetchone()[0])
        cur.execute("SELECT count(*) FROM churn.score_log WHERE triggered_by = 'batch'")
        logged = int(cur.fetchone()[0])
    return {
        "seconds": seconds,
        "rows": rows,
        "score_log_rows": logged,
        "scoring_errors": env.scoring_errors(url),
    }


def parallel_arm(url: str, batch_size: int) -> dict[str, Any]:
    started = time.perf_counter()
    _, _, rows = rescore_parallel(url, batch_size, JOBS)
    seconds = time.perf_counter() - started
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.score_log WHERE triggered_by = 'batch'")
        logged = int(cur.fetchone()[0])
    return {
        "seconds": seconds,
        "rows": rows,
        "score_log_rows": logged,
        "scoring_errors": env.scoring_errors(url),
    }


def python_arm(url: str, model: Trained) -> dict[str, Any]:
    bundle, phases = model.bundle(), {}
    with closing(env.connect(url, autocommit=False)) as conn, conn.cursor() as cur:
        started = time.perf_counter()
        buf = io.StringIO()
        cur.copy_expert(EXPORT, buf)
        phases["export_s"] = lap(started)
        buf.seek(0)
        frame = expand_attributes(pd.read_csv(buf))
        phases["parse_s"] = lap(started, phases)
        scores = bundle["pipeline"].predict_proba(frame_of(bundle, frame))
        phases["predict_s"] = lap(started, phases)
        out = pd.DataFrame({"customer_id": frame["customer_id"], "score": scores[:, 1]})
        cur.execute(TEMP)
        text = out.to_csv(sep="\t", header=False, index=False)
        cur.copy_expert("COPY new_scores FROM STDIN", io.StringIO(text))
        phases["load_s"] = lap(started, phases)
        cur.execute(UPDATE)
        conn.commit()
        phases["update_commit_s"] = lap(started, phases)
    return {"seconds": time.perf_counter() - started, "rows": len(frame), "phases": phases}


def lap(started: float, phases: dict[str, float] | None = None) -> float:
    """Seconds since `started` minus the phases already recorded."""
    return time.perf_counter() - started - sum((phases or {}).values())


def measure(prep: Prepared, label: str, arm: str, roots: set[int]) -> dict[str, Any]:
    assert prep.batch_template is not None
    with env.copy_of(prep.cluster, prep.batch_template) as url:
        activate(url, model_ids(url)[label])
        env.execute(url, "CHECKPOINT")
        with noise.Monitor(roots) as monitor:
            if arm == "pgchurn":
                result = pgchurn_arm(url, prep.scale.batch_size)
            elif arm == "parallel":
                result = parallel_arm(url, prep.scale.batch_size)
            else:
                result = python_arm(url, prep.models[label])
    rows_per_s = result["rows"] / result["seconds"]
    return {
        "model": label,
        "arm": arm,
        **result,
        "rows_per_s": rows_per_s,
        "foreign_cores": monitor.mean() or 0.0,
    }


def run(prep: Prepared, *, say: Any = print) -> dict[str, Any]:
    roots = noise.roots_for(env.postmaster_pid(prep.cluster))
    quiet = noise.Quiet(roots)
    cells = []
    for rep in range(prep.scale.reps):
        for label in MODELS:
            for arm in ARMS:
                quiet.wait()
                cell = measure(prep, label, arm, roots) | {"rep": rep}
                cells.append(cell)
                say(
                    f"  rep {rep + 1} {label:<9} {arm:<8} {cell['rows']} rows in "
                    f"{cell['seconds']:.1f}s = {cell['rows_per_s']:,.0f} rows/s"
                    f" (foreign load {cell['foreign_cores']:.2f} cores)"
                )
    return {
        "profiles": prep.scale.batch_customers,
        "cells": cells,
        "summary": summarize(cells),
        "profile": profile(prep),
    }


def summarize(cells: list[dict[str, Any]]) -> dict[str, Any]:
    def rate(label: str, arm: str) -> list[float]:
        picked = sorted(
            (c for c in cells if c["model"] == label and c["arm"] == arm), key=lambda c: c["rep"]
        )
        return [c["rows_per_s"] for c in picked]

    out: dict[str, Any] = {}
    for label in MODELS:
        out[label] = {
            "pgchurn": spread(rate(label, "pgchurn")),
            "parallel": spread(rate(label, "parallel")),
            "python": spread(rate(label, "python")),
            "pgchurn/python": paired_ratio(rate(label, "pgchurn"), rate(label, "python")),
            "parallel/python": paired_ratio(rate(label, "parallel"), rate(label, "python")),
        }
    return out


def profile(prep: Prepared) -> dict[str, Any]:
    """Phases of churn.rescore_batch per model, in a fresh copy each."""
    assert prep.batch_template is not None
    out = {}
    for label in MODELS:
        with env.copy_of(prep.cluster, prep.batch_template) as url:
            activate(url, model_ids(url)[label])
            out[label] = backend_profile.profile_batch(
                url, prep.scale.batch_size, prep.scale.profile_batches
            )
    return out
