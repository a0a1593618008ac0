"""`pgchurn report --html PATH`: one self-contained HTML page of plots over the monitoring views.

This module reads the data (churn.model, churn.score_log and the views of
sql/views/monitoring.sql); pgchurn.report_html draws and writes the page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from pgchurn.config import redact
from pgchurn.db import connect
from pgchurn.errors import PgchurnError
from pgchurn.monitor_cli import QUERIES
from pgchurn.report_html import ChallengerPairs, ReportData, ScoreDistribution, render

MAX_PAIRS = 5000

MODEL_OF_STATUS = """
    SELECT model_id, name || ' (#' || model_id || ')' AS label,
           churn.jsonb_floats(baselines -> 'score' -> 'edges') AS edges,
           churn.jsonb_floats(baselines -> 'score' -> 'fractions') AS fractions
      FROM churn.model WHERE status = %s ORDER BY model_id LIMIT 1"""

LIVE_BINS = """
    SELECT churn.bin_of(score, %(edges)s::double precision[]) AS bin, count(*) AS n
      FROM churn.score_log
     WHERE model_id = %(model_id)s AND scored_at > now() - interval '7 days'
     GROUP BY 1"""

FEATURE_DRIFT = """
    SELECT feature, kind, value, flag FROM churn.feature_drift WHERE model_id = %s"""

PERFORMANCE = """
    SELECT m.name || ' (#' || p.model_id || ')' AS model, p.month, p.roc_auc,
           p.precision_at_top_10pct, p.mean_predicted, p.observed_churn_rate
      FROM churn.model_performance p JOIN churn.model m USING (model_id)
     ORDER BY p.model_id, p.month"""

PAIRS = """
    WITH latest AS (
        SELECT DISTINCT ON (model_id, customer_id) model_id, customer_id, score
          FROM churn.score_log
         WHERE model_id IN (%(champion)s, %(challenger)s)
         ORDER BY model_id, customer_id, scored_at DESC
    )
    SELECT a.score, b.score
      FROM latest a JOIN latest b USING (customer_id)
     WHERE a.model_id = %(champion)s AND b.model_id = %(challenger)s
     ORDER BY customer_id
     LIMIT %(limit)s"""


def collect(url: str) -> ReportData:
    """Read every section of the report from the database."""
    with connect(url) as conn, conn.cursor() as cur:
        champion = _model(cur, "active")
        challenger = _model(cur, "challenger")
        return ReportData(
            generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            database=redact(url),
            health=_rows(cur, QUERIES["health"])[0],
            distribution=_distribution(cur, champion),
            feature_drift=_rows(cur, FEATURE_DRIFT, (champion["model_id"],)) if champion else [],
            performance=_rows(cur, PERFORMANCE),
            challenger=_pairs(cur, champion, challenger),
        )


def _rows(cur: Any, query: str, params: Any = None) -> list[dict[str, Any]]:
    cur.execute(query, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, (_plain(v) for v in row), strict=True)) for row in cur]


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _model(cur: Any, status: str) -> dict[str, Any] | None:
    found = _rows(cur, MODEL_OF_STATUS, (status,))
    return found[0] if found else None


def _distribution(cur: Any, model: dict[str, Any] | None) -> ScoreDistribution | None:
    """Expected and live share per score bin of the active model, or None without a baseline."""
    if model is None or not model["fractions"]:
        return None
    edges, expected = list(model["edges"] or []), list(model["fractions"])
    counts = {
        r["bin"]: r["n"]
        for r in _rows(cur, LIVE_BINS, {"edges": edges, "model_id": model["model_id"]})
    }
    total = sum(counts.values())
    live = [counts.get(b, 0) / total if total else 0.0 for b in range(1, len(expected) + 1)]
    return ScoreDistribution(model["label"], edges, expected, live, total)


def _pairs(
    cur: Any, champion: dict[str, Any] | None, challenger: dict[str, Any] | None
) -> ChallengerPairs | None:
    """Champion and challenger scores of the same customers, or None without a challenger."""
    if challenger is None:
        return None
    if champion is None:
        return ChallengerPairs("(no active model)", challenger["label"], [])
    ids = {"champion": champion["model_id"], "challenger": challenger["model_id"]}
    cur.execute(PAIRS, {**ids, "limit": MAX_PAIRS})
    pairs = [(float(a), float(b)) for a, b in cur.fetchall()]
    return ChallengerPairs(champion["label"], challenger["label"], pairs)


def write_report(url: str, path: Path) -> int:
    """Write the page to path; return how many plots it holds."""
    if not path.parent.is_dir():
        raise PgchurnError(f"cannot write {path}: folder {path.parent} does not exist; create it")
    page = render(collect(url))
    path.write_text(page, encoding="utf-8")
    return page.count('<img id="plot-')


@click.command("report")
@click.option(
    "--html",
    "html_path",
    required=True,
    metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the HTML page (replaced if it exists).",
)
@click.pass_context
def report_command(ctx: click.Context, /, html_path: Path) -> None:
    """Write one self-contained HTML page of monitoring plots.

    It shows the active model's live score distribution against its training baseline, drift
    per feature, performance over time, champion against challenger, and scoring health. The
    plots are PNGs inside the page, so it can be mailed or attached as it is.

    \b
    Examples:
      pgchurn report --html report.html
      pgchurn --database-url postgresql://analyst@db/shop report --html /tmp/churn.html
    """
    plots = write_report(ctx.obj.migrated_url(), html_path)
    click.echo(f"wrote {html_path} ({plots} plot(s))")
