"""PNG plots for the report: throughput and latency against clients, per-row cost, batch rate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def section(doc: dict[str, Any], name: str) -> dict[str, Any] | None:
    s = doc.get("sections", {}).get(name)
    return s.get("data") if s else None


def draw(doc: dict[str, Any], folder: Path) -> None:
    if wp := section(doc, "write_path"):
        throughput(wp, folder / "throughput.png")
        latency(wp, folder / "latency.png")
    if pr := section(doc, "per_row"):
        per_row(pr, folder / "per_row.png")
    if b := section(doc, "batch"):
        batch(b, folder / "batch.png")


def series(wp: dict[str, Any], metric: str) -> dict[str, tuple[list[int], list, list, list]]:
    """arm -> (clients, medians, lower errors, upper errors)."""
    out: dict[str, tuple[list[int], list, list, list]] = {}
    for key, s in wp["summary"]["table"].items():
        arm, clients = key.rsplit("/", 1)
        m = s[metric]
        if not m.get("n"):
            continue
        xs, ys, lo, hi = out.setdefault(arm, ([], [], [], []))
        xs.append(int(clients))
        ys.append(m["median"])
        lo.append(m["median"] - m["min"])
        hi.append(m["max"] - m["median"])
    return out


def throughput(wp: dict[str, Any], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 5))
    for arm, (xs, ys, lo, hi) in series(wp, "tps").items():
        ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=wp["arms"][arm])
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="concurrent clients",
        ylabel="events per second",
        title="Write path: throughput (median, min–max)",
    )
    ax.set_xticks([1, 4, 16], labels=["1", "4", "16"])
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    save(fig, path)


def latency(wp: dict[str, Any], path: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharey=True)
    for ax, metric in zip(axes, ("p50", "p99"), strict=True):
        for arm, (xs, ys, lo, hi) in series(wp, metric).items():
            ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=wp["arms"][arm])
        ax.set(xscale="log", yscale="log", xlabel="concurrent clients", title=f"{metric} latency")
        ax.set_xticks([1, 4, 16], labels=["1", "4", "16"])
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ms per event")
    axes[1].legend(fontsize=7)
    save(fig, path)


def per_row(pr: dict[str, Any], path: Path) -> None:
    labels = list(pr["models"])
    engines = [
        "in_db",
        "in_db_noop",
        "in_db_batch",
        "in_db_columns",
        "in_db_runtime",
        "python",
        "python_explain",
        "jpmml",
    ]
    engines = [e for e in engines if e in pr["models"][labels[0]]]
    engines += ["sklearn_row", "sklearn_batch"]
    fig, ax = plt.subplots(figsize=(10, 5))
    width = 0.8 / len(engines)
    for k, engine in enumerate(engines):
        values = [pr["models"][m][engine]["median"] for m in labels]
        xs = [i + (k - len(engines) / 2 + 0.5) * width for i in range(len(labels))]
        ax.bar(xs, values, width, label=engine)
    ax.set_xticks(range(len(labels)), labels=labels)
    ax.set(yscale="log", ylabel="µs per record", title="Per-row model evaluation (median)")
    ax.legend(fontsize=8)
    ax.grid(True, axis="y", which="both", alpha=0.3)
    save(fig, path)


def batch(b: dict[str, Any], path: Path) -> None:
    labels = list(b["summary"])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    arms = [a for a in ("pgchurn", "parallel", "python") if a in b["summary"][labels[0]]]
    width = 0.8 / len(arms)
    names = {"pgchurn": "pgchurn, 1 session", "parallel": "pgchurn, --jobs 2", "python": "python"}
    for k, arm in enumerate(arms):
        values = [b["summary"][m][arm]["median"] for m in labels]
        offset = (k - (len(arms) - 1) / 2) * width
        ax.bar([i + offset for i in range(len(labels))], values, width, label=names[arm])
    ax.set_xticks(range(len(labels)), labels=labels)
    ax.set(ylabel="profiles per second", title=f"Batch rescoring of {b['profiles']:,} profiles")
    ax.legend()
    ax.grid(True, axis="y", alpha=0.3)
    save(fig, path)


def save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
