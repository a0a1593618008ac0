"""`python -m bench.cold_compare BASE [NEW] [--reps N]`: the first complaint, before and after.

Compares the first complaint on a fresh connection, and its breakdown (cold_start's steps),
between copies of two template databases of the benchmark cluster, repetitions interleaved
so that the machine's drift hits both alike. NEW defaults to the write template of the quick
scale (tmpl_c10000, built by `python -m bench.run --quick ...` from this checkout). Keep the
BASE template from an earlier checkout, e.g. before rebuilding:
`CREATE DATABASE base_tmpl TEMPLATE tmpl_c10000 STRATEGY FILE_COPY`.

Prints client ms and the backend's CPU ms (schedstat; robust against other people's load)
per step: median [min-max], and the median of the paired ratios new/base.
"""

from __future__ import annotations

import argparse
import statistics

from bench import cold_start, env


def setup(url: str) -> tuple[str, str, tuple[str, tuple[object, ...]]]:
    """The active model's sha, customer 1's feature row, and the _load_code call to time."""
    sha = env.scalar(url, "SELECT pmml_sha256 FROM churn.model WHERE status = 'active'")
    row = env.scalar(
        url,
        "SELECT f::text FROM churn.feature_frame(now(), every_column => true) f"
        " WHERE f.customer_id = %s",
        (cold_start.CUSTOMER,),
    )
    return str(sha), str(row), cold_start.load_code_call(url)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_compare", description=__doc__)
    parser.add_argument("base")
    parser.add_argument("new", nargs="?", default=env.template_name(10_000))
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args(argv)
    cluster = env.bench_cluster()
    env.start(cluster)
    results: dict[str, dict[str, list[float]]] = {"base": {}, "new": {}}
    with (
        env.copy_of(cluster, args.base, "cold_compare_base") as base,
        env.copy_of(cluster, args.new, "cold_compare_new") as new,
    ):
        urls = {"base": base, "new": new}
        prepared = {side: setup(url) for side, url in urls.items()}
        for _ in range(args.reps):
            for side, url in urls.items():
                first = cold_start.first_complaint(url)
                steps = cold_start.complaint_breakdown(url, *prepared[side])
                for key, value in {**first, **steps}.items():
                    results[side].setdefault(key, []).append(value)
    print(f"{'step':16} {'base: median [min-max]':>26} {'new: median [min-max]':>26} new/base")
    for key in results["base"]:
        b, n = results["base"][key], results["new"][key]
        ratio = statistics.median(y / x for x, y in zip(b, n, strict=True) if x)
        print(f"{key:16} {_text(b):>26} {_text(n):>26} {ratio:8.2f}")


def _text(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} [{min(values):.2f}-{max(values):.2f}]"


if __name__ == "__main__":
    main()
