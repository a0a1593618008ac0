"""Every model kind `pgchurn train` builds, on the same data and holdout: which should be default?

Loads the training and holdout frames once, as `pgchurn train` does (point in time, default
options), fits every kind with `train.trainer.fit_and_evaluate` (complaint features under
their monotone constraints) and, for comparison, the tree kinds without constraints and
`gbdt` as it was before revision 0014 (GradientBoostingClassifier, 100 trees of depth 3,
which takes no constraint: kind `gbdt-0013` below), exports
each with sklearn2pmml, and reports holdout ROC AUC, log loss, Brier score and the expected
calibration error (ECE: the row-weighted mean |predicted - observed| over train/evaluate.py's
ten equal-width bins).

    .venv/bin/python -m bench.kinds --database-url URL

writes bench/results/kinds.json and prints a Markdown table.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import click
from pgchurn.train import evaluate, trainer
from pgchurn.train.export import export_pmml
from pgchurn.train.features import choose_inputs
from pgchurn.train.pipelines import KINDS, build_pipeline, constraints
from sklearn.ensemble import GradientBoostingClassifier

RESULTS = Path(__file__).resolve().parent / "results" / "kinds.json"
UNCONSTRAINED = ("tree", "forest", "hgb", "gbdt-0013")  # what the constraints cost


def ece(calibration: list[dict[str, Any]]) -> float:
    """Expected calibration error of a calibration table (bins weighted by their rows)."""
    rows = sum(b["rows"] for b in calibration)
    return sum(b["rows"] * abs(b["predicted"] - b["observed"]) for b in calibration) / rows


def unconstrained(kind: str, train: Any, test: Any, inputs: Any) -> tuple[Any, dict[str, Any]]:
    """The kind fitted with plain `fit`, no monotone constraint (for comparison only)."""
    base = "gbdt" if kind == "gbdt-0013" else kind
    pipeline = build_pipeline(
        base, numeric=inputs.numeric, categorical=inputs.categorical, impute=True
    )
    if kind == "gbdt-0013":
        gbdt = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0)
        pipeline.steps[-1] = ("classifier", gbdt)
    pipeline.fit(train[inputs.names], train["churned"])
    proba = pipeline.predict_proba(test[inputs.names])[:, 1]
    return pipeline, evaluate.metrics(test["churned"], proba)


def one(kind: str, train: Any, test: Any, inputs: Any, *, constrained: bool) -> dict[str, Any]:
    """Fit, evaluate and export one kind; its row of the report."""
    t = time.perf_counter()
    if constrained:
        pipeline, m, _, _ = trainer.fit_and_evaluate(kind, train, test, inputs=inputs)
    else:
        pipeline, m = unconstrained(kind, train, test, inputs)
    fitted = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        sample = train[inputs.names].sample(n=200, random_state=0)
        pmml = export_pmml(pipeline, sample, Path(tmp) / "m.pmml")
    return {
        "kind": kind,
        "constrained": constrained,
        "roc_auc": m["roc_auc"],
        "log_loss": m["log_loss"],
        "brier": m["brier"],
        "ece": ece(m["calibration"]),
        "calibration": m["calibration"],
        "fit_seconds": round(fitted, 2),
        "pmml_bytes": len(pmml),
        "monotone_constraints": constraints(pipeline),
    }


def table(rows: list[dict[str, Any]]) -> str:
    """The report's Markdown table."""
    lines = [
        "| kind | monotone | ROC AUC | log loss | Brier | ECE | fit s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {'yes' if r['constrained'] else 'no'} | {r['roc_auc']:.4f} |"
            f" {r['log_loss']:.4f} | {r['brier']:.5f} | {r['ece']:.4f} | {r['fit_seconds']} |"
        )
    return "\n".join(lines)


@click.command()
@click.option("--database-url", required=True, help="A seeded database (pgchurn seed).")
@click.option("--out", type=click.Path(path_type=Path), default=RESULTS, show_default=True)
def main(database_url: str, out: Path) -> None:
    """Train every kind on the same data; write holdout metrics per kind.

    Example: python -m bench.kinds --database-url postgresql://postgres@127.0.0.1:54329/pgchurn
    """
    opts = trainer.Options()
    train, test, plan = trainer.load(database_url, None, opts)
    if len(train) > opts.max_train_rows:
        train = train.sample(n=opts.max_train_rows, random_state=0)
    inputs = choose_inputs(train)
    rows = [one(k, train, test, inputs, constrained=True) for k in KINDS]
    rows += [one(k, train, test, inputs, constrained=False) for k in UNCONSTRAINED]
    result = {
        "train_rows": len(train),
        "holdout_rows": len(test),
        "holdout_churners": int(test["churned"].sum()),
        "plan": {k: v for k, v in plan.items() if k != "churned_at"},
        "inputs": inputs.names,
        "kinds": rows,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    click.echo(f"{len(train)} training rows, {len(test)} holdout rows")
    click.echo(table(rows))


if __name__ == "__main__":
    main()
