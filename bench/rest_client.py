"""The application side of the REST pattern, in its own process: `python -m bench.rest_client`.

Each of --clients threads holds one database connection and one HTTP connection, and runs
events until the deadline; each event is one transaction:

    INSERT the complaint; read the customer's features from churn.feature_frame(now());
    POST them to the scoring service; UPDATE the profile's score; COMMIT.

Events during the warm-up are not recorded. Writes {"events", "seconds", "latencies_ms"} as
JSON to --out (with "errors": what made a client stop early, if anything).
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg2

from pgchurn.seed import CATEGORIES, CHANNELS

INSERT = (
    "INSERT INTO churn.complaint (customer_id, category, severity, channel) VALUES (%s, %s, %s, %s)"
)
# one flat object of the derived features and the attributes (booleans as JSON true/false)
FEATURES = "SELECT churn.customer_features(%s)"
WRITE_SCORE = (
    "UPDATE churn.customer_score SET churn_score = %s, churn_scored_at = now()"
    " WHERE customer_id = %s"
)
MAX_EVENTS_PER_CLIENT = 1_000_000


def customer_features(cur: Any, customer_id: int) -> dict[str, Any]:
    """churn.customer_features(customer_id) as a model reads it: booleans as 1 and 0."""
    cur.execute(FEATURES, (customer_id,))
    return {k: int(v) if isinstance(v, bool) else v for k, v in cur.fetchone()[0].items()}


def event(cur: Any, http: httpx.Client, rng: random.Random, customers: int) -> None:
    """One complaint, scored through the service, in one transaction (the caller commits)."""
    customer = rng.randint(1, customers)
    cur.execute(INSERT, (customer, rng.choice(CATEGORIES), rng.randint(1, 5), rng.choice(CHANNELS)))
    features = customer_features(cur, customer)
    response = http.post("/score", json=features)
    response.raise_for_status()
    cur.execute(WRITE_SCORE, (response.json()["score"], customer))


def client(
    args: argparse.Namespace,
    index: int,
    start: float,
    out: list[tuple[float, float]],
    errors: list[str],
) -> None:
    try:
        run_events(args, index, start, out)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the cell
        errors.append(f"client {index}: {type(exc).__name__}: {exc}")


def run_events(
    args: argparse.Namespace, index: int, start: float, out: list[tuple[float, float]]
) -> None:
    rng = random.Random(args.seed * 1000 + index)
    conn = psycopg2.connect(args.dsn)
    http = httpx.Client(base_url=args.service, timeout=30)
    measure_from, deadline = start + args.warmup, start + args.warmup + args.seconds
    try:
        with conn.cursor() as cur:
            for _ in range(MAX_EVENTS_PER_CLIENT):
                began = time.perf_counter()
                if began >= deadline:
                    break
                event(cur, http, rng, args.customers)
                conn.commit()
                ended = time.perf_counter()
                if began >= measure_from:
                    out.append((ended, (ended - began) * 1000.0))
    finally:
        http.close()
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for name, kind in (
        ("dsn", str),
        ("service", str),
        ("clients", int),
        ("seconds", float),
        ("warmup", float),
        ("customers", int),
        ("seed", int),
        ("out", Path),
    ):
        parser.add_argument(f"--{name}", type=kind, required=True)
    args = parser.parse_args()
    start = time.perf_counter() + 0.5  # every thread connects before the clock starts
    results: list[list[tuple[float, float]]] = [[] for _ in range(args.clients)]
    errors: list[str] = []
    threads = [
        threading.Thread(target=client, args=(args, i, start, results[i], errors))
        for i in range(args.clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.warmup + args.seconds + 120)
    deadline = start + args.warmup + args.seconds
    done = [lat for per in results for ended, lat in per if ended <= deadline]
    report = {"events": len(done), "seconds": args.seconds, "latencies_ms": done, "errors": errors}
    args.out.write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main()
