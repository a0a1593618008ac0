"""Section 6, feature drift over a month of logged scores.

In a copy of the write template (its customers scored once by the active GBDT-100), the score
log is filled to `scale.drift_log_rows` rows spread over the last 29 days (copies of the
logged rows, each with its own time; not 30, so that no row leaves the window during the run):
  unfolded  SELECT * FROM churn.feature_drift before any fold: every logged row is binned
  fold      SELECT churn.fold_feature_drift(): every closed hour counted into churn.drift_tally
  folded    the same query afterwards, `scale.reps` + 2 times: the counts of the folded hours
            plus the rows of the newest, unfolded hours
Both readings must agree: the section records the largest difference of value between them.
"""

from __future__ import annotations

import time
from contextlib import closing
from typing import Any

from bench import env
from bench.prepare import Prepared
from bench.stats import spread

QUERY = "SELECT model_id, feature, value, live_rows FROM churn.feature_drift ORDER BY 1, 2"
# The score log's rows as the writer stores them since revision 0016 (compact, in
# churn.score_log_data; churn.score_log is a view), copied and spread over 29 days.
FILL = """
INSERT INTO churn.score_log_data (scored_at, customer_id, score, previous_score, model_id,
                                  previous_model_id, log_month, triggered_by, challenger,
                                  served, inputs, features, reasons)
SELECT t.at, l.customer_id, l.score, l.previous_score, l.model_id, l.previous_model_id,
       churn._log_month(t.at), 'b', l.challenger, l.served, l.inputs, l.features, l.reasons
  FROM (SELECT x.*, row_number() OVER (ORDER BY x.score_log_id) AS n
          FROM churn.score_log_data x) l,
       generate_series(1, %(copies)s) AS g,
       LATERAL (SELECT now() - interval '29 days' * ((g - 1) * %(base)s + l.n) / %(target)s
                       AS at) t
 WHERE (g - 1) * %(base)s + l.n <= %(target)s
"""


def timed(url: str, statement: str) -> tuple[float, list[Any]]:
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        started = time.perf_counter()
        cur.execute(statement)
        rows = cur.fetchall()
        return time.perf_counter() - started, rows


def fill(url: str, target: int) -> int:
    """Replace the score log by `target` rows over the last 30 days; returns the row count."""
    with closing(env.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.score_log")
        base = int(cur.fetchone()[0])
        copies = -(-target // base)
        cur.execute("CREATE TEMP TABLE seed_log AS SELECT * FROM churn.score_log_data")
        cur.execute("TRUNCATE churn.score_log_data")
        cur.execute(
            FILL.replace("churn.score_log_data x", "seed_log x"),
            {"base": base, "target": target, "copies": copies},
        )
        cur.execute("SELECT count(*) FROM churn.score_log")
        rows = int(cur.fetchone()[0])
    env.vacuum_analyze(url)
    return rows


def largest_difference(a: list[Any], b: list[Any]) -> float:
    assert [r[:2] for r in a] == [r[:2] for r in b], "the two readings list other features"
    assert [r[3] for r in a] == [r[3] for r in b], "the two readings count other rows"
    return max((abs(x[2] - y[2]) for x, y in zip(a, b, strict=True)), default=0.0)


def run(prep: Prepared, *, say: Any = print) -> dict[str, Any]:
    scale = prep.scale
    with env.copy_of(prep.cluster, prep.write_template) as url:
        rows = fill(url, scale.drift_log_rows)
        say(f"  score log filled to {rows:,} rows over 30 days")
        unfolded_s, unfolded = timed(url, QUERY)
        say(f"  unfolded: {unfolded_s:.2f}s for {len(unfolded)} features")
        fold_s, folded_buckets = timed(url, "SELECT churn.fold_feature_drift()")
        say(f"  fold: {fold_s:.2f}s, {folded_buckets[0][0]:,} buckets")
        times, folded = [], unfolded
        for _ in range(scale.reps + 2):
            seconds, folded = timed(url, QUERY)
            times.append(seconds)
        difference = largest_difference(unfolded, folded)
        tallied = env.scalar(url, "SELECT count(*) FROM churn.drift_tally")
    result = {
        "log_rows": rows,
        "features": len(folded),
        "unfolded_s": unfolded_s,
        "fold_s": fold_s,
        "tally_rows": int(tallied),  # type: ignore[call-overload]
        "folded_s": spread(times),
        "largest_value_difference": difference,
    }
    say(
        f"  folded: median {result['folded_s']['median']:.3f}s over {len(times)} runs"
        f" ({result['folded_s']['min']:.3f}-{result['folded_s']['max']:.3f}); "
        f"unfolded/folded = {unfolded_s / result['folded_s']['median']:.0f}x; "
        f"largest difference {difference:.2e}"
    )
    return result
