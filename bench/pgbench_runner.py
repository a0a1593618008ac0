"""pgbench with a custom script: TPS from pgbench, percentiles from its per-transaction log."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bench.env import DATA, ROOT
from bench.stats import latency_summary
from pgchurn.cluster import SUPERUSER, Cluster

PGBENCH = Path("/usr/lib/postgresql/15/bin/pgbench")
SCRIPTS = ROOT / "bench" / "pgbench"
LOGS = DATA / "pgbench_logs"
TPS = re.compile(r"tps = ([0-9.]+) \(without initial connection time\)")


@dataclass(frozen=True)
class Load:
    """One pgbench invocation: script, clients, duration and session settings."""

    script: str
    clients: int
    seconds: int
    variables: dict[str, object]
    settings: dict[str, str]

    def threads(self) -> int:
        return min(self.clients, os.cpu_count() or 1)


def command(cluster: Cluster, dbname: str, load: Load, *, log: bool) -> list[str]:
    cmd = [
        str(PGBENCH),
        "-n",
        "-M",
        "prepared",
        "-h",
        "127.0.0.1",
        "-p",
        str(cluster.port),
        "-U",
        SUPERUSER,
        "-c",
        str(load.clients),
        "-j",
        str(load.threads()),
        "-T",
        str(load.seconds),
        "-f",
        str(SCRIPTS / load.script),
    ]
    cmd += [f"-D{k}={v}" for k, v in load.variables.items()]
    if log:
        cmd += ["--log", f"--log-prefix={LOGS / 'tx'}"]
    return [*cmd, dbname]


def environment(load: Load) -> dict[str, str]:
    """PGOPTIONS carries the session settings (for example synchronous_commit=off)."""
    options = " ".join(f"-c {k}={v}" for k, v in load.settings.items())
    return {**os.environ, "PGOPTIONS": options}


def run(cluster: Cluster, dbname: str, load: Load, *, log: bool = True) -> dict[str, Any]:
    """Run pgbench; returns TPS and, with `log`, latency percentiles in ms."""
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)
    proc = subprocess.run(
        command(cluster, dbname, load, log=log),
        env=environment(load),
        capture_output=True,
        text=True,
        timeout=load.seconds * 3 + 60,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pgbench failed: {proc.stderr.strip()[-500:]}")
    match = TPS.search(proc.stdout)
    if match is None:
        raise RuntimeError(f"no tps in pgbench output: {proc.stdout[-500:]}")
    result: dict[str, Any] = {"tps": float(match.group(1))}
    if log:
        result["latency_ms"] = latency_summary(read_latencies(LOGS))
    return result


def read_latencies(folder: Path) -> Any:
    """Per-transaction latencies in ms, without each client's first transaction.

    A client's first transaction pays for its new backend (for pgchurn: starting Python and
    loading the model), which an application's connection pool pays once per connection.
    """
    frames = [
        pd.read_csv(path, sep=" ", header=None, usecols=[0, 1, 2], names=["client", "tx", "us"])
        for path in sorted(folder.glob("tx.*"))
    ]
    if not frames:
        return []
    log = pd.concat(frames, ignore_index=True)
    first = log.groupby("client")["tx"].transform("min")
    return (log.loc[log["tx"] != first, "us"] / 1000.0).to_numpy()


def complaint_cell(
    cluster: Cluster,
    dbname: str,
    customers: int,
    clients: int,
    warmup_s: int,
    seconds: int,
    settings: dict[str, str],
) -> dict[str, Any]:
    """The write path's cell: pgbench's complaint script, a warm-up run, then the measured one."""
    variables = {"customers": customers}
    warm = Load("insert_complaint.sql", clients, warmup_s, variables, settings)
    run(cluster, dbname, warm, log=False)
    return run(cluster, dbname, Load("insert_complaint.sql", clients, seconds, variables, settings))
