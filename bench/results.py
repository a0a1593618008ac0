"""results.json: every section's raw figures, kept across `--only` re-runs.

Full-scale runs write bench/results/; `--quick` smoke runs write bench/results/quick/ (ignored
by git), so a smoke run never replaces the figures the report quotes.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.env import RESULTS, ROOT, code_fingerprint
from bench.scale import Scale

NAME = "results.json"


def folder(scale: Scale) -> Path:
    return RESULTS if scale.name == "full" else RESULTS / scale.name


def load(scale: Scale) -> dict[str, Any]:
    """The stored results when they are of the same scale; otherwise a fresh document."""
    path = folder(scale) / NAME
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("scale", {}).get("name") == scale.name:
            return stored
    return {"scale": scale.__dict__, "sections": {}}


def save(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (NAME + ".tmp")
    tmp.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    tmp.replace(out / NAME)


def record(
    results: dict[str, Any],
    name: str,
    data: Any,
    seconds: float,
    templates: dict[str, Any],
    error: str | None = None,
) -> None:
    results["scale"] = results.get("scale") or {}
    results["sections"][name] = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": seconds,
        "git": git_state(),
        "templates": templates,
        "error": error,
        "data": data,
    }


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        proc = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return proc.stdout.strip()

    dirty = [line[3:] for line in git("status", "--porcelain").splitlines()]
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty_files": len(dirty),
        "migrations_fingerprint": code_fingerprint(),
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": _version(["/usr/lib/postgresql/15/bin/postgres", "--version"]),
        "java": _version(["java", "-version"]),
    }


def _version(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0]
