"""Per-row scoring speed and cold-load time of the pure-Python PMML runtime.

Usage: .venv/bin/python bench/pmml_speed.py  (trains LR / RF-50 / GBDT-100, ~20 s)
Timing lives here only; the tests never assert on it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pgchurn.plpython.pmml import compile_pmml, load_compiled  # noqa: E402
from pgchurn.train.export import export_pmml  # noqa: E402
from pgchurn.train.pipelines import build_pipeline  # noqa: E402

from tests.datasets import CATEGORICAL, FEATURES, NUMERIC, TARGET, telecom_churn  # noqa: E402


def per_row_us(function, rows, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for row in rows:
            function(row)
        runs.append((time.perf_counter() - start) / len(rows) * 1e6)
    return statistics.median(runs)


def main() -> None:
    train, test = telecom_churn(3000, 0), telecom_churn(2000, 1)
    rows = test[FEATURES].to_dict("records")
    print(f"Python {sys.version.split()[0]}")
    print("model        pmml KB  compile ms  load ms  score us/row  explain us/row")
    for kind in ("logistic", "forest", "gbdt", "hgb"):
        pipeline = build_pipeline(kind, numeric=NUMERIC, categorical=CATEGORICAL, impute=True)
        pipeline.fit(train[FEATURES], train[TARGET])
        with tempfile.TemporaryDirectory() as tmp:
            text = export_pmml(pipeline, train[FEATURES].head(20), Path(tmp) / "m.pmml")
        start = time.perf_counter()
        model = compile_pmml(text)
        compile_ms = (time.perf_counter() - start) * 1e3
        start = time.perf_counter()
        loaded = load_compiled(model.source)
        load_ms = (time.perf_counter() - start) * 1e3
        score = per_row_us(loaded.score, rows)
        explain = per_row_us(loaded.explain, rows, repeat=3)
        print(
            f"{kind:<12} {len(text) // 1024:>7}  {compile_ms:>10.0f}  {load_ms:>7.1f}"
            f"  {score:>12.1f}  {explain:>14.1f}"
        )


if __name__ == "__main__":
    main()
