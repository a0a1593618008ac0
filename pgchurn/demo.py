"""`pgchurn demo`: a guided tour, from an empty machine to live churn scores."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import click
import psycopg2

from pgchurn import cluster as cluster_mod
from pgchurn import migrate
from pgchurn.config import ENV_URL, choose_database, redact
from pgchurn.db import connect
from pgchurn.errors import PgchurnError

DEMO_CUSTOMERS = 50_000
DEMO_SEED = 7

INVENTORY = """
SELECT c.relname AS name,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' END AS kind,
       obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'churn' AND c.relkind IN ('r', 'v')
UNION ALL
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END,
       obj_description(p.oid, 'pg_proc')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'churn' AND p.proname NOT LIKE '\\_%'
ORDER BY 2, 1
"""
TOP_RISK = """
SELECT customer_id, p.contract_type,
       (extract(year FROM age(p.customer_since)) * 12
        + extract(month FROM age(p.customer_since)))::int,
       p.monthly_charges, s.complaints_90d, round(s.churn_score::numeric, 3)
  FROM churn.customer_profile p JOIN churn.customer_score s USING (customer_id)
 WHERE p.churned_at IS NULL AND s.churn_score IS NOT NULL
 ORDER BY s.churn_score DESC, customer_id
 LIMIT 10
"""
MIDDLE_CUSTOMER = """
SELECT customer_id FROM churn.customer_profile p JOIN churn.customer_score s USING (customer_id)
 WHERE p.churned_at IS NULL AND s.churn_score BETWEEN 0.2 AND 0.4
   AND p.contract_type = 'month-to-month'
 ORDER BY customer_id LIMIT 1
"""
COMPLAINTS = [("billing", 2, "email"), ("network", 4, "phone"), ("service", 5, "phone")]
LAST_LOG = """
SELECT previous_score, score, reasons FROM churn.score_log
 WHERE customer_id = %s ORDER BY score_log_id DESC LIMIT 1
"""


def step(text: str) -> None:
    """Print a demo step heading."""
    click.secho(f"\n== {text}", bold=True)


def run(*, explicit_url: str | None, replace_any: bool = False) -> None:
    """Run the demo against the chosen database; any but the local cluster only if replace_any."""
    choice = choose_database(explicit_url)
    click.echo(f"pgchurn demo: {choice.describe()}")
    local = cluster_mod.local_cluster().url
    if choice.url == local:
        start_local_cluster()
    elif not replace_any:
        raise PgchurnError(
            f"pgchurn demo replaces the customers, complaints and models of its database, and "
            f"{redact(choice.url)} is not the local demo cluster ({redact(local)}); fix: unset "
            f"{ENV_URL} and drop --database-url to use the local cluster, or: pgchurn demo --yes"
        )
    url = choice.url
    step(f"2. alembic upgrade head on {redact(url)}")
    before = migrate.current_revision(url)
    migrate.upgrade(url)
    click.echo(f"revision {before or 'base'} -> {migrate.current_revision(url)}")
    show_inventory(url)
    seed(url)
    train(url)
    rescore(url)
    top_risk(url)
    # The drift scenario replaces the customers, so the complaint story comes last: it stays
    # in the database after the demo, scored and explained by the model then active.
    drift_scenario(url)
    three_complaints(url)
    step("next")
    click.echo(f"  psql {url}")
    click.echo("  SELECT * FROM churn.explain(42);   -- why customer 42 scores as it does")
    click.echo("  pgchurn models list")


def start_local_cluster() -> None:
    """Step 1: the project's own cluster under .pgchurn/."""
    step("1. the project's own PostgreSQL cluster")
    c = cluster_mod.local_cluster()
    if c.init():
        click.echo(f"initialized {c.data_dir}")
    click.echo("started" if c.start() else "already running", nl=False)
    click.echo(f" on 127.0.0.1:{c.port}, server OS user: {cluster_mod.server_os_user() or 'you'}")
    if c.create_database():
        click.echo("created database pgchurn")


def show_inventory(url: str) -> None:
    """Step 3: what the migrations installed."""
    step("3. what schema churn holds")
    for name, kind, comment in query(url, INVENTORY):
        click.echo(f"  {kind:<9} {name:<44} {(comment or '')[:60]}")


def seed(url: str) -> None:
    """Step 4: demo customers and complaints."""
    from pgchurn.seed import SeedSpec, seed_database

    step(f"4. pgchurn seed --customers {DEMO_CUSTOMERS} --seed {DEMO_SEED} --replace")
    now = datetime.now(UTC).replace(microsecond=0)
    result = seed_database(url, SeedSpec(DEMO_CUSTOMERS, seed=DEMO_SEED, now=now), replace=True)
    click.echo(
        f"{result.customers} customers, {result.complaints} complaints, {result.churned} churned,"
        f" loaded with COPY in {result.seconds:.1f}s"
    )


def train(url: str) -> None:
    """Step 5: train the default kind point-in-time, register through the gate, activate."""
    from pgchurn.train import trainer
    from pgchurn.train.cli import calibration_table, metrics_table, threshold_line, uplift_table

    step(f"5. pgchurn train --oracle {DEMO_SEED} --activate")
    opts = trainer.Options(name=f"{trainer.Options().kind}-demo", oracle_seed=DEMO_SEED)
    result = trainer.run(url, opts, register_to=url, activate_it=True, say=click.echo)
    from rich.console import Console

    console = Console(width=100)
    for table in (metrics_table, calibration_table, uplift_table):
        console.print(table(result.metrics))
    click.echo(threshold_line(result.metrics))
    click.echo(f"model {result.model_id} is active")


def rescore(url: str) -> None:
    """Step 6: score every profile with the active model, in committed batches."""
    step("6. CALL churn.rescore_all()  -- every current customer, in committed batches")
    started = time.perf_counter()
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("CALL churn.rescore_all(10000)")
            cur.execute("SELECT rows_done FROM churn.rescore_run ORDER BY run_id DESC LIMIT 1")
            rows = cur.fetchone()[0]
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    click.echo(f"rescored {rows} profiles in {seconds:.1f}s ({rows / seconds:,.0f} rows/s)")


def top_risk(url: str) -> None:
    """Step 7: who is most likely to leave."""
    step("7. the ten current customers most likely to churn")
    click.echo("  customer  contract         tenure  monthly  complaints 90d  churn score")
    for cid, contract, tenure, monthly, c90, score in query(url, TOP_RISK):
        row = f"  {cid:>8}  {contract:<15} {tenure:>6}  {monthly:>7.2f}  {c90:>14}  {score:>11}"
        click.echo(row)


def three_complaints(url: str) -> None:
    """Step 11: insert three complaints for one customer; watch the score move, and why."""
    rows = query(url, MIDDLE_CUSTOMER)
    if not rows:
        return
    (customer,) = rows[0]
    step(f"11. three complaints for customer {customer}: each transaction rescores at its commit")
    conn = psycopg2.connect(url)
    try:
        for category, severity, channel in COMPLAINTS:
            with conn, conn.cursor() as cur:  # commits: the complaint, its score and its log
                cur.execute(
                    "INSERT INTO churn.complaint (customer_id, category, severity, channel)"
                    " VALUES (%s, %s, %s, %s)",
                    (customer, category, severity, channel),
                )
            with conn, conn.cursor() as cur:
                cur.execute(LAST_LOG, (customer,))
                before, after, reasons = cur.fetchone()
            click.echo(f"  INSERT {category} complaint, severity {severity}, by {channel}:"
                       f" {fmt(before)} -> {after:.3f} ({after - (before or 0):+.3f})")  # fmt: skip
            for r in reasons:
                value = r["value"]
                value = f"{value:.4g}" if isinstance(value, float) else str(value)
                click.echo(f"      {r['feature']:<26} = {value:<16} {r['contribution']:+.3f}")
    finally:
        conn.close()


def drift_scenario(url: str) -> None:
    """Steps 8-10: the population shifts; monitoring flags it; retraining reacts."""
    from pgchurn.seed import POPULATIONS, SeedSpec, seed_database

    step("8. a month later the customer base has shifted: pgchurn seed --population shifted")
    now = datetime.now(UTC).replace(microsecond=0)
    spec = SeedSpec(DEMO_CUSTOMERS, seed=DEMO_SEED + 1, now=now, population=POPULATIONS["shifted"])
    result = seed_database(url, spec, replace=True)
    click.echo(
        f"{result.customers} customers of the shifted population loaded, and scored by the active"
        f" model as their COPY committed (new profiles are scored when inserted), in"
        f" {result.seconds:.1f}s"
    )
    step("9. pgchurn monitor  (exit status 3 means a threshold is breached)")
    status = run_cli(url, "monitor")
    click.echo(f"pgchurn monitor exited with status {status}")
    step("10. pgchurn retrain --if-drift")
    run_cli(url, "retrain", "--if-drift")


def run_cli(url: str, *args: str) -> int:
    """Run a pgchurn command as a user would, and return its exit status."""
    from pgchurn.cli import main

    try:
        main.main(["--database-url", url, *args], standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def fmt(score: float | None) -> str:
    """A score, or 'none'."""
    return "none" if score is None else f"{score:.3f}"


def query(url: str, sql: str) -> list[Any]:
    """All rows of a constant query."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql)
        rows: list[Any] = cur.fetchall()
    return rows
