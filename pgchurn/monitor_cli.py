"""`pgchurn monitor`: health, drift and performance for people and for schedulers.

It reads the monitoring views, prints them (rich tables, or JSON with --json), and exits with
status 3 when a threshold is breached, so that cron, pg_cron or Airflow can act on it (1 is an
error, 2 a usage error).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from pgchurn.db import connect

BREACH_EXIT = 3  # 0 healthy, 1 error, 2 usage error (click's), 3 a breach

QUERIES = {
    "health": """
        SELECT sum(scores)::bigint AS scores_24h, sum(errors)::bigint AS errors_24h,
               max(errors) AS max_errors_per_hour,
               max(stale_profiles) AS stale_profiles, max(unscored_profiles) AS unscored_profiles,
               extract(epoch FROM max(oldest_score_age)) / 3600.0 AS oldest_score_hours,
               max(other_model_profiles) AS other_model_profiles,
               to_char(max(model_changed_at), 'YYYY-MM-DD HH24:MI:SS TZ') AS model_changed_at,
               extract(epoch FROM max(model_change_grace)) / 3600.0 AS model_change_grace_hours,
               extract(epoch FROM now() - max(model_changed_at)) / 3600.0
                   AS hours_since_model_change,
               bool_or(other_model_overdue) AS other_model_overdue
          FROM churn.scoring_health""",
    "score_drift": """
        SELECT d.model_id, d.day::text AS day, d.scores, d.psi, d.band
          FROM churn.score_drift d JOIN churn.model m USING (model_id)
         WHERE m.status IN ('active', 'challenger') AND d.day >= current_date - 7
         ORDER BY d.model_id, d.day""",
    "feature_drift": """
        SELECT f.model_id, f.feature, f.metric, f.value, f.live_rows, f.unseen_categories, f.flag
          FROM churn.feature_drift f JOIN churn.model m USING (model_id)
         WHERE m.status IN ('active', 'challenger')
         ORDER BY f.model_id, f.value DESC""",
    "performance": """
        SELECT p.model_id, p.month::text AS month, p.customers, p.churned, p.roc_auc,
               p.precision_at_top_10pct, p.mean_predicted, p.observed_churn_rate
          FROM churn.model_performance p ORDER BY p.model_id, p.month""",
    # What churn.performance_rows needs, per model that is in use or has logged scores: the
    # scores of current customers (last per month and customer, as the view takes them) and
    # when the first of them closes its horizon.
    "performance_inputs": """
        WITH counted AS (
            SELECT DISTINCT ON (l.model_id, date_trunc('month', l.scored_at), l.customer_id)
                   l.model_id, l.scored_at
              FROM churn.score_log l
              JOIN churn.customer_profile p ON p.customer_id = l.customer_id
             WHERE p.churned_at IS NULL OR p.churned_at > l.scored_at
             ORDER BY l.model_id, date_trunc('month', l.scored_at), l.customer_id,
                      l.scored_at DESC
        ), logged AS (
            SELECT model_id, count(*) AS scores, count(DISTINCT customer_id) AS customers,
                   min(scored_at) AS first_scored_at
              FROM churn.score_log GROUP BY model_id
        ), waiting AS (
            SELECT model_id, count(*) AS rows, min(scored_at) AS first_counted_at
              FROM counted GROUP BY model_id
        )
        SELECT m.model_id, m.status,
               coalesce((m.training_summary ->> 'horizon_days')::integer, 90) AS horizon_days,
               coalesce(g.scores, 0) AS scores, coalesce(g.customers, 0) AS customers,
               to_char(g.first_scored_at, 'YYYY-MM-DD') AS first_scored,
               coalesce(w.rows, 0) AS countable,
               to_char(w.first_counted_at
                       + make_interval(days => coalesce((m.training_summary ->> 'horizon_days')
                                                        ::integer, 90)), 'YYYY-MM-DD')
                   AS first_rows_on
          FROM churn.model m
          LEFT JOIN logged g ON g.model_id = m.model_id
          LEFT JOIN waiting w ON w.model_id = m.model_id
         WHERE m.status IN ('active', 'challenger') OR g.scores > 0
         ORDER BY m.model_id""",
}


@dataclass(frozen=True)
class Thresholds:
    """When monitoring says something is wrong."""

    max_score_psi: float = 0.25
    max_feature_drift: int = 0
    min_auc: float = 0.6
    max_errors_per_hour: int = 0
    max_oldest_score_hours: float = 48.0


def collect(url: str) -> dict[str, Any]:
    """Every section as a list of row dicts (health as one dict)."""
    out: dict[str, Any] = {}
    with connect(url) as conn, conn.cursor() as cur:
        # count the hours closed since the last fold, so that feature drift reads counts
        cur.execute("SELECT churn.fold_feature_drift()")
        conn.commit()
        for name, sql in QUERIES.items():
            cur.execute(sql)
            cols = [d[0] for d in cur.description]
            out[name] = [dict(zip(cols, (_plain(v) for v in row), strict=True)) for row in cur]
    out["health"] = out["health"][0] if out["health"] else {}
    out["performance_notes"] = performance_notes(out.pop("performance_inputs"), out["performance"])
    return out


def performance_notes(
    inputs: list[dict[str, Any]], performance: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Why a model has no live performance rows, or a month no AUC: one sentence each."""
    measured = {r["model_id"] for r in performance}
    notes = [
        {"model_id": m["model_id"], "note": _why_no_rows(m)}
        for m in inputs
        if m["model_id"] not in measured
    ]
    notes += [
        {"model_id": r["model_id"], "note": _why_no_auc(r)}
        for r in performance
        if r["roc_auc"] is None
    ]
    return notes


def _why_no_rows(m: dict[str, Any]) -> str:
    who = f"model {m['model_id']} ({m['status']})"
    if m["scores"] == 0:
        return (
            f"{who} has no performance rows: it has never scored a customer (churn.score_log "
            "holds no score of it); an active model scores on each complaint and profile "
            "change, and `pgchurn rescore` scores everyone"
        )
    logged = (
        f"{who} has no performance rows yet: it logged {m['scores']} score(s) of "
        f"{m['customers']} customer(s) since {m['first_scored']}"
    )
    if m["countable"] == 0:
        return (
            f"{logged}, all after the customer had churned or of customers no longer in "
            "churn.customer_profile; performance counts only scores of current customers"
        )
    return (
        f"{logged}; performance needs customers whose outcome window (the model's horizon, "
        f"{m['horizon_days']} days) has closed since they were scored: the first rows can "
        f"appear on {m['first_rows_on']}"
    )


def _why_no_auc(r: dict[str, Any]) -> str:
    outcome = "none" if not r["churned"] else "every one"
    return (
        f"model {r['model_id']}, {r['month']}: no ROC AUC, since {outcome} of its "
        f"{r['customers']} customer(s) with a known outcome churned within the horizon "
        "(AUC needs churners and customers who stayed)"
    )


def _plain(value: Any) -> Any:
    """Decimals and the like as JSON-friendly numbers."""
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def breaches(report: dict[str, Any], t: Thresholds) -> list[str]:
    """Human-readable breaches of the thresholds; empty when all is well."""
    return [
        *_health_breaches(report["health"], t),
        *drift_breaches(report, t),
        *(
            f"model {r['model_id']}: AUC {r['roc_auc']:.3f} in {r['month']} (min {t.min_auc:g})"
            for r in report["performance"]
            if r["roc_auc"] is not None and r["roc_auc"] < t.min_auc
        ),
    ]


def _health_breaches(health: dict[str, Any], t: Thresholds) -> list[str]:
    found = []
    worst = health.get("max_errors_per_hour") or 0
    if worst > t.max_errors_per_hour:
        found.append(f"scoring errors: {worst} in one hour (max {t.max_errors_per_hour})")
    oldest = health.get("oldest_score_hours")
    if oldest is not None and oldest > t.max_oldest_score_hours:
        found.append(f"oldest score is {oldest:.1f} h old (max {t.max_oldest_score_hours:g} h)")
    if health.get("other_model_overdue"):
        found.append(_other_model_breach(health))
    return found


def _other_model_breach(health: dict[str, Any]) -> str:
    """Current customers still served another model's score after the grace period."""
    since = health.get("hours_since_model_change")
    when = f"{_duration(since)} ago" if since is not None else "at an unknown time"
    return (
        f"{health['other_model_profiles']} current customer(s) hold another model's score than "
        f"the active model's, which became active {when} (grace "
        f"{_duration(health.get('model_change_grace_hours') or 0)}, setting model_change_grace); "
        "fix: pgchurn rescore"
    )


def _duration(hours: float) -> str:
    return f"{hours:.1f} h" if hours >= 1 else f"{hours * 60:.0f} min"


def drift_breaches(report: dict[str, Any], t: Thresholds) -> list[str]:
    """Score PSI above the limit, or more features flagged 'drift' than allowed."""
    found = [
        f"model {r['model_id']}: score PSI {r['psi']:.3f} on {r['day']} (max {t.max_score_psi:g})"
        for r in report["score_drift"]
        if r["psi"] is not None and r["psi"] > t.max_score_psi
    ]
    drifting = [r for r in report["feature_drift"] if r["flag"] == "drift"]
    if len(drifting) > t.max_feature_drift:
        names = ", ".join(f"{r['feature']} ({r['metric']} {r['value']:.3f})" for r in drifting[:5])
        found.append(f"{len(drifting)} drifting feature(s): {names}")
    return found


def _table(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=title)
    if not rows:
        table.add_column("(no rows yet)")
        return table
    for col in rows[0]:
        table.add_column(col, justify="right" if isinstance(rows[0][col], (int, float)) else "left")
    for row in rows:
        table.add_row(*(_cell(v) for v in row.values()))
    return table


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


@click.command("monitor")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of tables.")
@click.option(
    "--max-score-psi",
    default=Thresholds.max_score_psi,
    show_default=True,
    help="Score PSI above this is a breach.",
)
@click.option(
    "--max-feature-drift",
    default=Thresholds.max_feature_drift,
    show_default=True,
    help="Features flagged 'drift' allowed.",
)
@click.option(
    "--min-auc",
    default=Thresholds.min_auc,
    show_default=True,
    help="Monthly live AUC below this is a breach.",
)
@click.option(
    "--max-errors-per-hour",
    default=Thresholds.max_errors_per_hour,
    show_default=True,
    help="Scoring errors allowed per hour.",
)
@click.option(
    "--max-oldest-score-hours",
    default=Thresholds.max_oldest_score_hours,
    show_default=True,
    help="Oldest score of a current customer, in hours.",
)
@click.pass_context
def monitor_command(ctx: click.Context, /, as_json: bool, **limits: Any) -> None:
    """Print scoring health, drift and live performance; exit 3 when a threshold is breached.

    \b
    Examples:
      pgchurn monitor
      pgchurn monitor --json --max-score-psi 0.1 || alert-the-team
    """
    report = collect(ctx.obj.migrated_url())
    found = breaches(report, Thresholds(**limits))
    if as_json:
        click.echo(
            json.dumps(
                {**report, "thresholds": asdict(Thresholds(**limits)), "breaches": found},
                default=str,
                indent=2,
            )
        )
    else:
        console = Console(width=140)
        console.print(
            _table("scoring health, last 24 hours", [report["health"]] if report["health"] else [])
        )
        console.print(
            _table("score drift (active and challenger models, last 7 days)", report["score_drift"])
        )
        console.print(_table("feature drift (last 30 days)", report["feature_drift"]))
        console.print(_table("live performance (point in time)", report["performance"]))
        for note in report["performance_notes"]:
            console.print(note["note"], markup=False, highlight=False)
        for line in found:
            click.secho(f"BREACH: {line}", fg="red", err=True)
        click.echo(f"{len(found)} breach(es)")
    if found:
        sys.exit(BREACH_EXIT)
