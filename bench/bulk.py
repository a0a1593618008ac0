"""Section 2, bulk load: COPY of N complaints, (a) trigger disabled, (b) with pgchurn.

Both arms COPY the same rows (random seeded customers, created_at defaulting to now()) into
a fresh copy of the write template, in one transaction; the time includes the commit. With
pgchurn the statement trigger bumps each touched customer's counters once and scores each
once, so its work grows with distinct customers, not with rows. A last, profiled COPY
times pgchurn's trigger code per row (bench.backend_profile).
"""

from __future__ import annotations

import io
import random
import time
from contextlib import closing
from typing import Any

from bench import backend_profile, env, noise
from bench.prepare import Prepared
from bench.stats import paired_ratio, spread
from pgchurn.seed import CATEGORIES, CHANNELS

COPY = "COPY churn.complaint (customer_id, category, severity, channel) FROM STDIN"
ARMS = {"a_floor": False, "b_pgchurn": True}
COMPLAINT_SCORES = "SELECT count(*) FROM churn.score_log WHERE triggered_by = 'complaint'"


def complaints(n: int, customers: int, seed: int) -> str:
    """n complaint rows in COPY text format."""
    rng = random.Random(seed)
    lines = (
        f"{rng.randint(1, customers)}\t{rng.choice(CATEGORIES)}\t{rng.randint(1, 5)}"
        f"\t{rng.choice(CHANNELS)}\n"
        for _ in range(n)
    )
    return "".join(lines)


def copy_seconds(url: str, text: str) -> float:
    with closing(env.connect(url, autocommit=False)) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur:
            cur.copy_expert(COPY, io.StringIO(text), size=1 << 20)
        conn.commit()
        return time.perf_counter() - started


def measure(prep: Prepared, arm: str, text: str, roots: set[int]) -> dict[str, Any]:
    with env.copy_of(prep.cluster, prep.write_template) as url:
        env.set_trigger(url, enabled=ARMS[arm])
        env.execute(url, "CHECKPOINT")
        with noise.Monitor(roots) as monitor:
            seconds = copy_seconds(url, text)
        return {
            "arm": arm,
            "seconds": seconds,
            "foreign_cores": monitor.mean() or 0.0,
            "scoring_errors": env.scoring_errors(url),
            "score_log_rows": env.scalar(url, COMPLAINT_SCORES),
            "customers_touched": len({line.split("\t", 1)[0] for line in text.splitlines()}),
        }


def run(prep: Prepared, *, say: Any = print) -> dict[str, Any]:
    roots = noise.roots_for(env.postmaster_pid(prep.cluster))
    quiet = noise.Quiet(roots)
    text = complaints(prep.scale.bulk_complaints, prep.scale.customers, prep.scale.seed)
    cells = []
    for rep in range(prep.scale.reps):
        for arm in ARMS:
            quiet.wait()
            cell = measure(prep, arm, text, roots) | {"rep": rep}
            cells.append(cell)
            say(
                f"  rep {rep + 1} {arm:<10} COPY {prep.scale.bulk_complaints} rows: "
                f"{cell['seconds']:.2f}s (foreign load {cell['foreign_cores']:.2f} cores)"
            )
    seconds = {arm: [c["seconds"] for c in cells if c["arm"] == arm] for arm in ARMS}
    summary = {arm: spread(v) for arm, v in seconds.items()}
    summary["b/a"] = paired_ratio(seconds["b_pgchurn"], seconds["a_floor"])
    with env.copy_of(prep.cluster, prep.write_template) as url:
        profile = backend_profile.profile_copy(url, COPY, text)
    return {
        "rows": prep.scale.bulk_complaints,
        "cells": cells,
        "summary": summary,
        "profile": profile,
    }
