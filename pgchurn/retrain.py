"""`pgchurn retrain`: train a challenger on fresh data and promote it only if it is better.

Both models score the same time-based holdout (the latest cutoff whose outcomes are known)
inside PostgreSQL, with churn.predict, so the comparison is on identical rows and code. The
challenger is promoted only when its ROC AUC beats the champion's by at least the margin;
either way the decision and its reason go to churn.model_audit ('promote' or 'decline'),
through churn.record_retrain_decision: the deployer writes no table directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import click

from pgchurn.db import connect
from pgchurn.errors import PgchurnError
from pgchurn.monitor_cli import QUERIES, Thresholds, drift_breaches
from pgchurn.rescore_cli import NO_RESCORE, after_model_change

ACTIVE = "SELECT model_id, training_summary FROM churn.model WHERE status = 'active'"
PREDICT = """
SELECT churn.predict(f, %s) FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(f, i)
 ORDER BY i
"""
RECORD = "SELECT churn.record_retrain_decision(%s, %s, %s, %s)"
MAY_RECORD = """
SELECT has_function_privilege('churn.record_retrain_decision(bigint, bigint, boolean, text)',
                              'EXECUTE')
"""


@dataclass(frozen=True)
class Decision:
    """What retraining decided, and why."""

    champion_id: int
    challenger_id: int
    champion_auc: float
    challenger_auc: float
    margin: float
    promoted: bool

    @property
    def reason(self) -> str:
        """One sentence for the audit table."""
        verdict = "promoted" if self.promoted else "declined"
        return (
            f"{verdict}: holdout ROC AUC {self.challenger_auc:.4f} (challenger) against "
            f"{self.champion_auc:.4f} (champion model {self.champion_id}); margin {self.margin:g}"
        )


def drift_found(url: str, thresholds: Thresholds) -> list[str]:
    """Drift breaches of the active model: score PSI or features flagged 'drift'.

    Reads the two drift views only, which the deployer may read (not the score log).
    """
    report: dict[str, Any] = {}
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT churn.fold_feature_drift()")
        conn.commit()
        for name in ("score_drift", "feature_drift"):
            cur.execute(QUERIES[name])
            cols = [d[0] for d in cur.description]
            report[name] = [dict(zip(cols, row, strict=True)) for row in cur]
    return drift_breaches(report, thresholds)


def holdout_auc(url: str, model_id: int, holdout: Any, inputs: list[str]) -> float:
    """ROC AUC of a registered model on the holdout rows, scored inside PostgreSQL."""
    from sklearn.metrics import roc_auc_score

    frame = holdout[inputs].astype(object).where(holdout[inputs].notna(), None)
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(PREDICT, (model_id, json.dumps(frame.to_dict("records"), default=float)))
        scores = [row[0] for row in cur.fetchall()]
    return float(roc_auc_score(holdout["churned"], scores))


def decide(url: str, champion_id: int, challenger_id: int, holdout: Any, inputs: list[str],
           margin: float) -> Decision:  # fmt: skip
    """Score both on the same holdout; promote only a challenger better by the margin."""
    champion_auc = holdout_auc(url, champion_id, holdout, inputs)
    challenger_auc = holdout_auc(url, challenger_id, holdout, inputs)
    promoted = challenger_auc >= champion_auc + margin
    return Decision(champion_id, challenger_id, champion_auc, challenger_auc, margin, promoted)


def record(url: str, decision: Decision) -> None:
    """Activate a promoted challenger and record the decision (churn.record_retrain_decision)."""
    args = (decision.challenger_id, decision.champion_id, decision.promoted, decision.reason)
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(RECORD, args)


def check_may_record(url: str) -> None:
    """Refuse before training when this login could not record the decision."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(MAY_RECORD)
        allowed = cur.fetchone()[0]
        cur.execute("SELECT session_user")
        user = cur.fetchone()[0]
    if not allowed:
        raise PgchurnError(
            f"permission denied: {user} may not execute churn.record_retrain_decision, so "
            "retrain could not record its decision"
        )


def challenger_options(kind: str | None, champion: dict[str, Any]) -> Any:
    """Train like the champion: its estimator (unless `kind`), label mode and exclusions."""
    from pgchurn.train import trainer
    from pgchurn.train.kinds import DEFAULT_KIND

    return trainer.Options(
        kind or champion.get("model") or DEFAULT_KIND,
        snapshot=champion.get("label_mode") == "snapshot",
        period_days=int(champion.get("period_days") or 30),
        exclude=tuple(champion.get("excluded_inputs") or ()),
    )


def label_mode(opts: Any) -> str:
    """The label mode of training options, for messages."""
    return f"snapshot, last {opts.period_days} days" if opts.snapshot else "point-in-time"


@click.command("retrain")
@click.option("--if-drift", is_flag=True, help="Do nothing unless monitoring finds drift.")
@click.option(
    "--model",
    "kind",
    type=click.Choice(("logistic", "tree", "forest", "gbdt", "hgb")),
    help="Estimator of the challenger [default: the champion's].",
)
@click.option(
    "--margin",
    default=0.005,
    show_default=True,
    help="Promote only if the challenger's holdout AUC is higher by at least this.",
)
@click.option("--max-score-psi", default=Thresholds.max_score_psi, show_default=True)
@click.option("--max-feature-drift", default=Thresholds.max_feature_drift, show_default=True)
@NO_RESCORE
@click.pass_context
def retrain_command(ctx: click.Context, /, if_drift: bool, kind: str | None, margin: float,
                    max_score_psi: float, max_feature_drift: int,
                    no_rescore: bool) -> None:  # fmt: skip
    """Train a challenger on fresh data; promote it only if it beats the champion.

    The challenger is trained like the champion (label mode, --exclude); both score the same
    holdout inside PostgreSQL. The decision and its reason are recorded in churn.model_audit;
    a worse model is never promoted. A promoted model then rescores every current customer,
    with a progress bar, unless --no-rescore.

    \b
    Examples:
      pgchurn retrain --if-drift
      pgchurn retrain --model gbdt --margin 0.01
    """
    from pgchurn.train import trainer

    url = ctx.obj.migrated_url()
    check_may_record(url)
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(ACTIVE)
        row = cur.fetchone()
    if row is None:
        raise PgchurnError("no model is active; train one with: pgchurn train --activate")
    champion_id, champion = int(row[0]), row[1] or {}
    if if_drift:
        thresholds = Thresholds(max_score_psi=max_score_psi, max_feature_drift=max_feature_drift)
        found = drift_found(url, thresholds)
        if not found:
            click.echo("no drift found; nothing to retrain")
            return
        click.echo("drift found:\n  " + "\n  ".join(found))
    opts = challenger_options(kind, champion)
    click.echo(f"training a {opts.kind} challenger on fresh data ({label_mode(opts)})")
    result = trainer.run(url, opts, register_to=url, say=lambda s: click.echo(s, err=True))
    assert result.model_id is not None
    # Every feature of the holdout, so that each model reads its own inputs from them.
    holdout = result.extra["holdout"]
    inputs = [c for c in holdout.columns if c not in ("customer_id", "cutoff", "churned")]
    decision = decide(url, champion_id, result.model_id, holdout, inputs, margin)
    record(url, decision)
    click.echo(f"model {result.model_id} {decision.reason}")
    if decision.promoted:
        after_model_change(url, rescore=not no_rescore)
