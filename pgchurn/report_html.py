"""Render the monitoring report: matplotlib plots (Agg) inlined as PNG data URIs in one HTML page.

The page needs nothing outside itself: no stylesheets, scripts or images from a URL. Its one
inline script counts the plots the browser decoded into `data-plots-loaded` on <body>.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FLAG_COLORS = {"ok": "#4c9a5b", "watch": "#e0a526", "drift": "#c8423b"}
# (metric, watch threshold, drift threshold), as churn.feature_drift flags them.
DRIFT_LIMITS = {"numeric": ("PSI", 0.1, 0.25), "categorical": ("Jensen-Shannon", 0.05, 0.1)}


@dataclass(frozen=True)
class ScoreDistribution:
    """The active model's training score bins and the share of live scores in each."""

    model: str
    edges: list[float]
    expected: list[float]
    live: list[float]
    live_scores: int


@dataclass(frozen=True)
class ChallengerPairs:
    """Latest champion and challenger scores of the customers both scored."""

    champion: str
    challenger: str
    pairs: list[tuple[float, float]]


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows; None or empty lists mean "no data yet"."""

    generated_at: str
    database: str
    health: dict[str, Any]
    distribution: ScoreDistribution | None
    feature_drift: list[dict[str, Any]] = field(default_factory=list)
    performance: list[dict[str, Any]] = field(default_factory=list)
    challenger: ChallengerPairs | None = None


@dataclass(frozen=True)
class Section:
    """One heading, its one-line explanation, and a plot or a note saying why there is none."""

    slug: str
    title: str
    explanation: str
    png: bytes | None = None
    note: str = ""


def png_of(draw: Callable[[Figure], None], *, width: float = 9.0, height: float = 4.0) -> bytes:
    """Draw on a fresh figure with the Agg canvas and return the PNG bytes."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    draw(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def bin_labels(edges: list[float]) -> list[str]:
    """Labels of the bins (-inf, e1], (e1, e2], ..., (ek, inf)."""
    if not edges:
        return ["all"]
    inner = [f"{lo:.3g}–{hi:.3g}" for lo, hi in zip(edges, edges[1:], strict=False)]
    return [f"≤ {edges[0]:.3g}", *inner, f"> {edges[-1]:.3g}"]


def score_distribution_section(d: ScoreDistribution | None) -> Section:
    """Plot 1: expected (training) against live share per baseline score bin."""
    section = Section(
        "score-distribution",
        "Live score distribution against the training baseline",
        "Share of the active model's scores in each training score bin: training (expected) "
        "against the last 7 days of churn.score_log (live); diverging bars mean score drift.",
    )
    if d is None:
        return _with_note(section, "No active model with a score baseline.")
    if d.live_scores == 0:
        return _with_note(section, f"{d.model}: no scores logged in the last 7 days.")

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        xs = list(range(len(d.expected)))
        ax.bar([x - 0.2 for x in xs], d.expected, 0.4, label="training (expected)", color="#8da0cb")
        ax.bar([x + 0.2 for x in xs], d.live, 0.4, label="live, last 7 days", color="#fc8d62")
        ax.set_xticks(xs, bin_labels(d.edges), rotation=30, ha="right")
        ax.set(xlabel="score bin", ylabel="share of scores")
        ax.set_title(f"{d.model}: {d.live_scores} live scores")
        ax.set_ylim(0, 1.25 * max(*d.expected, *d.live))
        ax.legend(loc="upper left", ncols=2)

    return _with_png(section, png_of(draw))


def feature_drift_section(rows: list[dict[str, Any]]) -> Section:
    """Plot 2: drift value per feature, colored by flag, with the watch and drift thresholds."""
    section = Section(
        "feature-drift",
        "Drift per feature",
        "churn.feature_drift for the active model over the last 30 days: PSI for numeric, "
        "Jensen-Shannon for categorical features; dashed lines are the watch and drift thresholds.",
    )
    kinds = [k for k in DRIFT_LIMITS if any(r["kind"] == k for r in rows)]
    if not kinds:
        return _with_note(section, "No feature drift yet: no logged model inputs in 30 days.")
    tallest = max(sum(r["kind"] == k for r in rows) for k in kinds)

    def draw(fig: Figure) -> None:
        for ax, kind in zip(fig.subplots(1, len(kinds), squeeze=False)[0], kinds, strict=True):
            _drift_bars(ax, kind, sorted((r for r in rows if r["kind"] == kind), key=_value))

    return _with_png(section, png_of(draw, height=max(3.0, 1.2 + 0.3 * tallest)))


def _value(row: dict[str, Any]) -> float:
    return float(row["value"] or 0.0)


def _drift_bars(ax: Axes, kind: str, rows: list[dict[str, Any]]) -> None:
    metric, watch, drift = DRIFT_LIMITS[kind]
    ys = list(range(len(rows)))
    ax.barh(ys, [_value(r) for r in rows], color=[FLAG_COLORS[r["flag"]] for r in rows])
    ax.set_yticks(ys, [r["feature"] for r in rows])
    ax.axvline(watch, color=FLAG_COLORS["watch"], linestyle="--", label=f"watch > {watch:g}")
    ax.axvline(drift, color=FLAG_COLORS["drift"], linestyle="--", label=f"drift > {drift:g}")
    ax.set(title=f"{kind} features", xlabel=metric)
    ax.legend(loc="lower right", fontsize="small")


def performance_section(rows: list[dict[str, Any]]) -> Section:
    """Plot 3: AUC and precision at top 10%, and calibration, per month and model."""
    section = Section(
        "performance",
        "Performance over time",
        "churn.model_performance per month and model, only once outcomes are known: ROC AUC and "
        "precision in the top 10% (left), mean predicted against observed churn (right).",
    )
    if not rows:
        return _with_note(section, "No live performance yet: no scores whose horizon has passed.")

    def draw(fig: Figure) -> None:
        ranking, calibration = fig.subplots(1, 2)
        for model in dict.fromkeys(r["model"] for r in rows):
            mine = [r for r in rows if r["model"] == model]
            months = [r["month"] for r in mine]
            line = ranking.plot(months, [r["roc_auc"] for r in mine], "o-", label=f"{model} AUC")
            color = line[0].get_color()
            ranking.plot(
                months, [r["precision_at_top_10pct"] for r in mine], "s--", color=color,
                label=f"{model} precision@10%",
            )  # fmt: skip
            calibration.plot(months, [r["observed_churn_rate"] for r in mine], "o-", color=color,
                             label=f"{model} observed")  # fmt: skip
            calibration.plot(months, [r["mean_predicted"] for r in mine], "x:", color=color,
                             label=f"{model} predicted")  # fmt: skip
        ranking.set(title="ranking", ylabel="AUC / precision", ylim=(0, 1))
        calibration.set(title="calibration", ylabel="churn rate")
        for ax in (ranking, calibration):
            ax.tick_params(axis="x", labelrotation=30)
            ax.legend(fontsize="small")

    return _with_png(section, png_of(draw, width=11.0))


def challenger_section(c: ChallengerPairs | None) -> Section:
    """Plot 4: challenger against champion scores on the same customers."""
    section = Section(
        "champion-challenger",
        "Champion against challenger",
        "Latest score of each customer both models scored: champion (x) against challenger (y); "
        "points above the diagonal are customers the challenger rates riskier.",
    )
    if c is None:
        return _with_note(section, "No challenger: no model has status 'challenger'.")
    if not c.pairs:
        return _with_note(section, f"{c.challenger} has scored no customer the champion scored.")

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        ax.scatter([p[0] for p in c.pairs], [p[1] for p in c.pairs], s=8, alpha=0.35)
        top = min(1.0, 1.05 * max(max(p) for p in c.pairs)) or 1.0
        ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=1)
        ax.set(xlim=(0, top), ylim=(0, top), aspect="equal")
        ax.set(xlabel=f"champion {c.champion}", ylabel=f"challenger {c.challenger}")
        ax.set_title(f"{len(c.pairs)} customers")

    return _with_png(section, png_of(draw, width=5.5, height=5.5))


def _with_png(section: Section, png: bytes) -> Section:
    return Section(section.slug, section.title, section.explanation, png=png)


def _with_note(section: Section, note: str) -> Section:
    return Section(section.slug, section.title, section.explanation, note=note)


HEALTH_LABELS = {
    "scores_24h": "scores logged, last 24 h",
    "errors_24h": "scoring errors, last 24 h",
    "max_errors_per_hour": "most errors in one hour",
    "stale_profiles": "profiles with a stale score",
    "unscored_profiles": "current customers never scored",
    "oldest_score_hours": "oldest score of a current customer (hours)",
}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1150px; color: #222; }
h1 { margin-bottom: 0.2em; } .meta { color: #666; margin-top: 0; }
section { margin: 2em 0; } .explain { color: #444; } .note { font-style: italic; color: #777; }
img { max-width: 100%; border: 1px solid #ddd; }
table { border-collapse: collapse; } td, th { padding: 0.3em 1em; border-bottom: 1px solid #ddd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""

SCRIPT = """
window.addEventListener("load", function () {
  var ok = Array.prototype.filter.call(document.images, function (img) {
    return img.complete && img.naturalWidth > 0;
  });
  document.body.dataset.plotsLoaded = String(ok.length);
});
"""


def render(data: ReportData) -> str:
    """The whole page as one self-contained HTML string."""
    sections = [
        score_distribution_section(data.distribution),
        feature_drift_section(data.feature_drift),
        performance_section(data.performance),
        challenger_section(data.challenger),
    ]
    body = "\n".join([_health_html(data.health), *(_section_html(s) for s in sections)])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>pgchurn report</title>\n<style>{STYLE}</style>\n<script>{SCRIPT}</script>\n"
        '</head>\n<body data-plots-loaded="0">\n<h1>pgchurn report</h1>\n'
        f'<p class="meta">{html.escape(data.database)}, generated {html.escape(data.generated_at)}'
        f"</p>\n{body}\n</body>\n</html>\n"
    )


def _section_html(s: Section) -> str:
    head = f'<section id="{s.slug}">\n<h2>{html.escape(s.title)}</h2>\n'
    explain = f'<p class="explain">{html.escape(s.explanation)}</p>\n'
    if s.png is None:
        return f'{head}{explain}<p class="note">{html.escape(s.note)}</p>\n</section>'
    uri = "data:image/png;base64," + base64.b64encode(s.png).decode("ascii")
    alt = html.escape(f"{s.title}: {s.explanation}", quote=True)
    return f'{head}{explain}<img id="plot-{s.slug}" alt="{alt}" src="{uri}">\n</section>'


def _health_html(health: dict[str, Any]) -> str:
    head = (
        '<section id="scoring-health">\n<h2>Scoring health</h2>\n<p class="explain">'
        "Summary of churn.scoring_health: the last 24 hours of scoring and the state of the "
        "profiles now.</p>\n"
    )
    if not health:
        return f'{head}<p class="note">No scoring health rows.</p>\n</section>'
    rows = "".join(
        f'<tr><th scope="row">{html.escape(label)}</th>'
        f'<td class="num">{html.escape(_cell(health.get(key)))}</td></tr>\n'
        for key, label in HEALTH_LABELS.items()
    )
    return f"{head}<table>\n{rows}</table>\n</section>"


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if isinstance(value, float) else str(value)
