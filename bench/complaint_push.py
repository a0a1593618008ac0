"""Does a complaint ever lower a score? One complaint of every severity, for random customers.

For N random current customers (not churned), the score of the active model before any new
complaint (churn.score_customer, which writes nothing), then, in ONE application transaction
that is rolled back at the end, for each severity 1..5 under its own savepoint: one complaint
per customer inserted as the application inserts it, scored at once (SET CONSTRAINTS
churn.rescore_request_at_commit IMMEDIATE, the documented way), the new score read from
churn.customer_score, and the savepoint rolled back. Nothing is left in the database.

    .venv/bin/python -m bench.complaint_push --database-url URL [--customers 1000] [--seed 0]

writes bench/results/complaint_push.json (the counts the closing note quotes).
"""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
import psycopg2

SEVERITIES = (1, 2, 3, 4, 5)
RESULTS = Path(__file__).resolve().parent / "results" / "complaint_push.json"
CURRENT = "SELECT customer_id FROM churn.customer_profile WHERE churned_at IS NULL ORDER BY 1"
BEFORE = "SELECT id, churn.score_customer(id) FROM unnest(%s::bigint[]) AS id ORDER BY id"
INSERT = (
    "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
    " SELECT id, 'service', %s, 'phone' FROM unnest(%s::bigint[]) AS id"
)
AFTER = """
SELECT s.customer_id, s.churn_score
  FROM churn.customer_score s
 WHERE s.customer_id = ANY(%s) AND s.churn_model_id = %s AND NOT s.churn_score_stale
   AND s.churn_scored_at >= now()
 ORDER BY s.customer_id
"""


def sample_current(owner: Any, n: int, seed: int) -> list[int]:
    """n random current customers (all of them when there are fewer), sorted."""
    with owner.cursor() as cur:
        cur.execute(CURRENT)
        ids = np.array([r[0] for r in cur.fetchall()])
    rng = np.random.default_rng(seed)
    return sorted(int(i) for i in rng.choice(ids, size=min(n, len(ids)), replace=False))


def active_model(owner: Any) -> int:
    """The active model's id."""
    with owner.cursor() as cur:
        cur.execute("SELECT model_id FROM churn.model WHERE status = 'active'")
        row = cur.fetchone()
    if row is None:
        raise click.ClickException("no model is active; activate one first")
    return int(row[0])


def push(owner: Any, app: Any, ids: list[int]) -> pd.DataFrame:
    """Scores by customer: `before`, then `s1`..`s5` after one complaint of that severity.

    `owner` reads the scores before (churn.score_customer); `app` (an application login,
    not in autocommit) inserts the complaints in one transaction, rolled back at the end.
    """
    model_id = active_model(owner)
    with owner.cursor() as cur:
        cur.execute(BEFORE, (ids,))
        frame = pd.DataFrame(cur.fetchall(), columns=["customer_id", "before"])
    frame = frame.set_index("customer_id")
    app.autocommit = False
    try:
        with app.cursor() as cur:
            for severity in SEVERITIES:
                cur.execute("SAVEPOINT severity")
                cur.execute(INSERT, (severity, ids))
                cur.execute("SET CONSTRAINTS churn.rescore_request_at_commit IMMEDIATE")
                cur.execute("SET CONSTRAINTS churn.rescore_request_at_commit DEFERRED")
                cur.execute(AFTER, (ids, model_id))
                scores = dict(cur.fetchall())
                if len(scores) != len(ids):
                    raise RuntimeError(
                        f"severity {severity}: {len(ids) - len(scores)} customers have no new "
                        f"score from model {model_id} (see churn.scoring_error)"
                    )
                frame[f"s{severity}"] = pd.Series(scores)
                cur.execute("ROLLBACK TO SAVEPOINT severity")
    finally:
        app.rollback()
    return frame


def summary(frame: pd.DataFrame, tolerance: float = 0.0) -> dict[str, Any]:
    """The counts: scores that went down, severity 5 against 1, median uplift per severity."""
    before = frame["before"]
    after = frame[[f"s{s}" for s in SEVERITIES]]
    down = after.lt(before - tolerance, axis=0)
    return {
        "customers": int(len(frame)),
        "scores_compared": int(after.size),
        "scores_down": int(down.to_numpy().sum()),
        "customers_with_a_score_down": int(down.any(axis=1).sum()),
        "severity5_below_severity1": int((frame["s5"] < frame["s1"] - tolerance).sum()),
        "severity5_above_severity1": int((frame["s5"] > frame["s1"]).sum()),
        "severity5_above_severity1_share": float((frame["s5"] > frame["s1"]).mean()),
        "severities_1_to_3_identical": int(
            ((frame["s1"] == frame["s2"]) & (frame["s2"] == frame["s3"])).sum()
        ),
        "median_before": float(before.median()),
        "median_uplift": {f"s{s}": float((frame[f"s{s}"] - before).median()) for s in SEVERITIES},
        "mean_uplift": {f"s{s}": float((frame[f"s{s}"] - before).mean()) for s in SEVERITIES},
    }


@click.command()
@click.option("--database-url", required=True, help="The owner's URL (reads, and scores before).")
@click.option(
    "--app-url",
    help="A login in pgchurn_app and pgchurn_analyst (inserts, reads its scores back)"
    " [default: --database-url].",
)
@click.option("--customers", default=1000, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=RESULTS, show_default=True)
def main(database_url: str, app_url: str | None, customers: int, seed: int, out: Path) -> None:
    """Measure the complaint test on a database with an active model; write the counts.

    Example: python -m bench.complaint_push --database-url postgresql://postgres@h:5432/demo
    """
    with (
        closing(psycopg2.connect(database_url)) as owner,
        closing(psycopg2.connect(app_url or database_url)) as app,
    ):
        owner.autocommit = True
        ids = sample_current(owner, customers, seed)
        result = summary(push(owner, app, ids)) | {"model_id": active_model(owner), "seed": seed}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    click.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
