"""How busy the machine was with work that is not ours, measured while we measure.

The machine is shared (other engineers run test suites on its two cores). A sampler thread
reads /proc once a second and splits the CPU time used into ours (this process, its children
such as pgbench, uvicorn and the REST client, and the benchmark cluster's postmaster with its
backends) and everybody else's ("foreign", in cores). Each measurement records the mean
foreign load during it, and `wait_for_quiet` gives other work a bounded chance to finish first.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
QUIET_CORES = 0.25


def _processes() -> dict[int, tuple[int, int]]:
    """{pid: (ppid, utime + stime in ticks)} of every process we can read."""
    out: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return out


def _ours(procs: dict[int, tuple[int, int]], roots: set[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    seen, stack = set(), [r for r in roots if r in procs]
    while stack:
        pid = stack.pop()
        if pid not in seen:
            seen.add(pid)
            stack.extend(children.get(pid, []))
    return seen


def foreign_cores(roots: set[int], interval: float = 1.0) -> float:
    """CPU cores used by processes outside `roots` and their descendants over `interval`."""
    before = _processes()
    time.sleep(interval)
    after = _processes()
    ours = _ours(after, roots) | _ours(before, roots)
    ticks = sum(
        cpu - before[pid][1] for pid, (_, cpu) in after.items() if pid in before and pid not in ours
    )
    return max(0.0, ticks / TICK / interval)


@dataclass
class Monitor:
    """Samples foreign CPU once a second in a thread; `mean()` while or after it runs."""

    roots: set[int]
    samples: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Monitor:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append(foreign_cores(self.roots))

    def mean(self) -> float | None:
        return sum(self.samples) / len(self.samples) if self.samples else None


@dataclass
class Quiet:
    """Waits (bounded per call and in total) until foreign load drops below QUIET_CORES."""

    roots: set[int]
    per_call: float = 20.0
    budget: float = 300.0
    waited: float = 0.0

    def wait(self) -> float:
        """Returns the foreign load seen last, after waiting at most per_call seconds."""
        deadline = time.monotonic() + min(self.per_call, max(0.0, self.budget - self.waited))
        started = time.monotonic()
        load = foreign_cores(self.roots, 0.5)
        while load > QUIET_CORES and time.monotonic() < deadline:
            load = foreign_cores(self.roots, 1.0)
        self.waited += time.monotonic() - started
        return load


def roots_for(postmaster_pid: int | None) -> set[int]:
    """Our process and the benchmark cluster's postmaster."""
    return {os.getpid()} | ({postmaster_pid} if postmaster_pid else set())
