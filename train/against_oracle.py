"""`pgchurn train --oracle SEED`: the model next to the demo generator's best possible answer.

For data made by `pgchurn seed --seed SEED` (baseline population, 2 complaints a customer),
`pgchurn.seed.oracle` gives each holdout customer's true churn probability given what a
model can observe. This module scores the holdout with it, compares ROC AUCs, and fills the
"true" column of the uplift rows. The seed's `--now` is read back from the profiles'
updated_at (the seed writes it there), so run it on a database as the seed left it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from pgchurn.db import connect
from pgchurn.seed import oracle

from . import dataset, evaluate, uplift

SEEDED_NOW = "SELECT max(updated_at) FROM churn.customer_profile"


def seeded_now(url: str) -> datetime:
    """The seed's reference time: the newest profile updated_at."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(SEEDED_NOW)
        (now,) = cur.fetchone()
    if now is None:
        raise ValueError("--oracle: churn.customer_profile is empty; seed it with pgchurn seed")
    return now  # type: ignore[no-any-return]


def lift_ratio(model_auc: float | None, oracle_auc: float) -> float | None:
    """(AUC_model - 0.5) / (AUC_oracle - 0.5): the share of the best possible lift over chance."""
    if model_auc is None or oracle_auc <= 0.5:
        return None
    return (model_auc - 0.5) / (oracle_auc - 0.5)


def compare(url: str, test: pd.DataFrame, cutoff: datetime, horizon_days: int, seed: int,
            holdout: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """Oracle metrics on the holdout; adds the true uplift to holdout['uplift'] rows."""
    scale = oracle.scale_of_seed(seed, seeded_now(url))
    obs = oracle.observed_from_db(url, cutoff, test[dataset.KEY])
    p = oracle.churn_probability(obs, float(horizon_days), scale)
    m = evaluate.metrics(test[dataset.LABEL], p)
    for row in holdout.get("uplift", []):
        severities = uplift.BANDS[row["band"]]
        diffs = [
            oracle.churn_probability(obs, float(horizon_days), scale, extra_severity=s) - p
            for s in severities
        ]
        row["true"] = float(np.concatenate(diffs).mean())
        row["within_tolerance"] = uplift.within_tolerance(row["predicted"], row["true"])
    return {
        "seed": seed,
        "roc_auc": m["roc_auc"],
        "log_loss": m["log_loss"],
        "ece": m["ece"],
        "mean_probability": float(p.mean()),
        "lift_ratio": lift_ratio(holdout["roc_auc"], m["roc_auc"]),
    }
