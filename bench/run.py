"""`python -m bench.run`: run the benchmark suite and write bench/results/.

python -m bench.run                 # everything, full scale (about 40 minutes)
python -m bench.run --quick         # small sizes, one repetition (a few minutes)
python -m bench.run --only batch    # one section (repeatable); the others stay in results
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    batch,
    bulk,
    cold_start,
    drift,
    lower_bound,
    per_row,
    report,
    results,
    score_log,
    write_path,
)
from bench.prepare import Prepared, prepare
from bench.scale import FULL, QUICK

SECTIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "write_path": write_path.run,
    "lower_bound": lower_bound.run,
    "bulk": bulk.run,
    "batch": batch.run,
    "per_row": per_row.run,
    "cold_start": cold_start.run,
    "drift": drift.run,
    "score_log": score_log.run,
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(SECTIONS),
        metavar="SECTION",
        help=f"run only this section (repeatable): {', '.join(SECTIONS)}",
    )
    parser.add_argument("--reps", type=int, help="repetitions per cell (default 3; --quick 1)")
    parser.add_argument(
        "--keep-templates",
        action="store_true",
        help="reuse existing template databases even if the code changed",
    )
    parser.add_argument(
        "--keep-server", action="store_true", help="leave the benchmark cluster running afterwards"
    )
    return parser.parse_args(argv)


def say(text: str) -> None:
    print(text, flush=True)


def run_section(name: str, prep: Prepared, doc: dict[str, Any], out: Path) -> bool:
    say(f"\n== {name}")
    started = time.perf_counter()
    try:
        data, error = SECTIONS[name](prep, say=say), None
    except Exception:  # noqa: BLE001 - record the failure, keep the other sections
        data, error = None, traceback.format_exc()
        say(error)
    templates = {k: v for k, v in prep.fingerprints.items()}
    results.record(doc, name, data, time.perf_counter() - started, templates, error)
    results.save(doc, out)
    return error is None


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    scale = (QUICK if args.quick else FULL).with_reps(args.reps)
    names = args.only or list(SECTIONS)
    doc, out = results.load(scale), results.folder(scale)
    doc["scale"], doc["machine"] = scale.__dict__, results.machine()
    say(f"pgchurn benchmark, {scale.name} scale, sections: {', '.join(names)}")
    prep = prepare(scale, batch="batch" in names, keep_templates=args.keep_templates, say=say)
    try:
        ok = all([run_section(name, prep, doc, out) for name in names])
    finally:
        if not args.keep_server:
            prep.cluster.stop()
    say(f"\nwrote {report.write(doc, out)} and {out / results.NAME}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
