"""Refuse, in one line and before fitting, data that cannot give a model worth registering.

Each check raises `TrainingRefused` with the numbers that matter and what to do, instead of
letting scikit-learn fail on a single class or a model with an unmeasurable AUC be registered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from .features import LABEL


class TrainingRefused(ValueError):
    """The data cannot support this training run; the message says why and what to do."""


def churners(frame: pd.DataFrame) -> int:
    """Rows labelled 1."""
    return int(frame[LABEL].sum()) if len(frame) else 0


def when(iso: str) -> str:
    """An ISO time as 'YYYY-MM-DD HH:MM' (UTC offset dropped), for messages."""
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def _dates(plan: dict[str, Any]) -> str:
    dates = plan.get("churned_at") or {}
    if not dates.get("count"):
        return "no profile has a churned_at"
    return f"the {dates['count']} churned_at lie in [{when(dates['first'])}, {when(dates['last'])}]"


def point_in_time(train: pd.DataFrame, test: pd.DataFrame, plan: dict[str, Any]) -> None:
    """Refuse when the training cutoffs or the holdout cutoff hold no row or a single class."""
    horizon = plan["horizon_days"]
    advice = (
        "spread churned_at over more history, change --horizon-days or --reference, or train "
        "on the current snapshot with --snapshot"
    )
    for what, frame, cutoffs in (
        ("training cutoffs", train, ", ".join(when(c) for c in plan["train_cutoffs"])),
        ("holdout cutoff", test, when(plan["test_cutoff"])),
    ):
        n, k = len(frame), churners(frame)
        if n == 0 or k in (0, n):
            raise TrainingRefused(
                f"point-in-time training is not possible: the {what} ({cutoffs}) hold {n} "
                f"customers, {k} of whom churned within {horizon} days after their cutoff "
                f"({_dates(plan)}); {advice}"
            )


def snapshot(frame: pd.DataFrame, plan: dict[str, Any]) -> None:
    """Refuse when the snapshot holds fewer than two churners or two non-churners."""
    n, k = len(frame), churners(frame)
    if k < 2 or n - k < 2:
        raise TrainingRefused(
            f"snapshot training is not possible: of {n} customers who had not churned by "
            f"{when(plan['period_start'])}, {k} churned in the {plan['period_days']} days up to "
            f"{when(plan['reference'])} ({_dates(plan)}); both churners and non-churners are "
            "needed: set churned_at for the customers who left, or change --period-days or "
            "--reference"
        )


def holdout_churners(test: pd.DataFrame, minimum: int, plan: dict[str, Any]) -> None:
    """Refuse when the holdout holds fewer than `minimum` churners: its metrics mean little."""
    k = churners(test)
    if k >= minimum:
        return
    advice = {
        "snapshot": "lengthen --period-days or load more customers",
        "point-in-time": "lengthen --horizon-days, load more customers, or use --snapshot",
    }.get(plan.get("label_mode", ""), "add rows with churners at the latest cutoffs")
    raise TrainingRefused(
        f"the holdout holds {k} churners among {len(test)} rows, fewer than "
        f"--min-holdout-churners {minimum}, too few to measure a model, so none is "
        f"registered; {advice}, or lower --min-holdout-churners knowingly"
    )


def csv_classes(train: pd.DataFrame, test: pd.DataFrame, source: str) -> None:
    """Refuse a CSV whose training or holdout rows hold a single class."""
    for what, frame in (("training rows", train), ("holdout rows (the latest cutoffs)", test)):
        n, k = len(frame), churners(frame)
        if n == 0 or k in (0, n):
            raise TrainingRefused(
                f"{source}: the {what} hold {n} rows, {k} of them churned; training needs "
                "churners and non-churners in both: add rows, or train from the database "
                "with --snapshot"
            )
