"""How big and how long: the full suite and the --quick smoke run."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scale:
    """Every size and duration the sections use."""

    name: str
    customers: int  # seeded customers for the write path, bulk load, per-row and cold start
    batch_customers: int  # seeded profiles for batch rescoring
    bulk_complaints: int
    clients: tuple[int, ...]
    seconds: int  # measured seconds per write-path cell
    warmup_seconds: int
    reps: int
    per_row_records: int  # rows for the in-database, plain-Python and JPMML per-row figures
    sklearn_rows: int  # one-row predict_proba calls (about 8 ms each)
    cold_reps: int
    max_train_rows: int
    profile_inserts: int  # single-row inserts per pass of the trigger profile
    batch_size: int  # churn.rescore_all(batch_size)
    profile_batches: int  # churn.rescore_batch calls in the batch profile
    what_ifs: bool  # also run the write path's what-if arms
    drift_log_rows: int  # score-log rows churn.feature_drift reads
    score_log_fill: int  # score-log rows logged through complaints, for bytes per row
    score_log_rows: int  # score-log rows over 13 months for the purge
    seed: int = 7

    def with_reps(self, reps: int | None) -> Scale:
        return self if reps is None else replace(self, reps=reps)


FULL = Scale(
    name="full",
    customers=100_000,
    batch_customers=1_000_000,
    bulk_complaints=100_000,
    clients=(1, 4, 16),
    seconds=10,
    warmup_seconds=2,
    reps=3,
    per_row_records=10_000,
    sklearn_rows=300,
    cold_reps=5,
    max_train_rows=100_000,
    profile_inserts=3_000,
    batch_size=10_000,
    profile_batches=5,
    what_ifs=True,
    drift_log_rows=1_000_000,
    score_log_fill=100_000,
    score_log_rows=10_000_000,
)

QUICK = Scale(
    name="quick",
    customers=10_000,
    batch_customers=20_000,
    bulk_complaints=5_000,
    clients=(1, 4, 16),
    seconds=2,
    warmup_seconds=1,
    reps=1,
    per_row_records=1_000,
    sklearn_rows=50,
    cold_reps=2,
    max_train_rows=20_000,
    profile_inserts=500,
    batch_size=5_000,
    profile_batches=2,
    what_ifs=False,
    drift_log_rows=100_000,
    score_log_fill=10_000,
    score_log_rows=200_000,
)
