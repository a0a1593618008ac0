"""`pgchurn seed`: telecom-style demo customers, complaints and churn, loaded through COPY.

The generator is made of pure functions that return DataFrames whose columns are the
database's columns, so training code can reuse the churn mechanism (`log_hazard`,
`complaint_push`). The loader streams them into PostgreSQL chunk by chunk with COPY.
docs/data.md describes the mechanism and the measured speed.

The package follows the data: `mechanism` (populations, the churn hazard and the complaint
process), `customers` (customer attributes), `generator` (complaints, churn and the chunks'
DataFrames), `loader` (COPY into PostgreSQL) and `command` (the click command).
"""

from pgchurn.seed.command import parse_now, seed_command
from pgchurn.seed.generator import (
    CATEGORIES,
    CHANNELS,
    COMPLAINT_COLUMNS,
    PROFILE_COLUMNS,
    Chunk,
    SeedSpec,
    generate,
    generate_chunk,
    whole_months,
)
from pgchurn.seed.loader import SeedResult, copy_text, seed_database
from pgchurn.seed.mechanism import (
    BASELINE,
    CONTRACTS,
    HISTORY_MONTHS,
    INTERNET,
    MECHANISM,
    PAYMENTS,
    POPULATIONS,
    SHIFTED,
    Mechanism,
    Population,
    complaint_push,
    log_hazard,
)

__all__ = [
    "BASELINE",
    "CATEGORIES",
    "CHANNELS",
    "COMPLAINT_COLUMNS",
    "CONTRACTS",
    "HISTORY_MONTHS",
    "INTERNET",
    "MECHANISM",
    "PAYMENTS",
    "POPULATIONS",
    "PROFILE_COLUMNS",
    "SHIFTED",
    "Chunk",
    "Mechanism",
    "Population",
    "SeedResult",
    "SeedSpec",
    "complaint_push",
    "copy_text",
    "generate",
    "generate_chunk",
    "log_hazard",
    "parse_now",
    "seed_command",
    "seed_database",
    "whole_months",
]
