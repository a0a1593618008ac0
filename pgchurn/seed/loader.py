"""Loading: generated chunks into PostgreSQL with COPY, in one transaction, counter trigger off."""

from __future__ import annotations

import dataclasses
import io
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import psycopg2
from psycopg2 import sql
from psycopg2.extensions import connection as PgConnection
from psycopg2.extensions import cursor as PgCursor

from pgchurn.errors import PgchurnError
from pgchurn.seed import attributes
from pgchurn.seed.generator import Chunk, SeedSpec, generate

NULL = r"\N"
# The score log's rows (its partitions and id sequence follow): churn.score_log is a view.
SEEDED_TABLES = ("complaint", "customer_score", "customer_profile", "score_log_data")


# ---------------------------------------------------------------------------- COPY text
def column_fields(values: pd.Series, *, date: bool = False) -> npt.NDArray[Any]:
    r"""One column as COPY text fields: t/f, numbers, ISO 8601 times, and \N for NULL.

    The categories and texts written here never hold tabs, newlines or backslashes, so no
    field needs escaping.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = np.array([*values.cat.categories, NULL], dtype=object)
        return np.asarray(lookup[values.cat.codes.to_numpy()])  # code -1 picks NULL
    arr = values.to_numpy()
    if arr.dtype == np.bool_:
        return np.where(arr, "t", "f")
    if np.issubdtype(arr.dtype, np.datetime64):
        return np.where(np.isnat(arr), NULL, iso_times(arr, date=date))
    if np.issubdtype(arr.dtype, np.floating):
        return np.where(np.isnan(arr), NULL, arr.astype(str))
    return np.asarray(arr.astype(str))


def iso_times(arr: npt.NDArray[np.datetime64], *, date: bool) -> npt.NDArray[np.str_]:
    """ISO 8601 text of naive-UTC times: a date, or a time with an explicit Z."""
    if date:
        return np.datetime_as_string(arr, unit="D")
    return np.datetime_as_string(arr, unit="s", timezone="UTC")


def copy_text(frame: pd.DataFrame, *, dates: tuple[str, ...] = ()) -> str:
    """The frame in COPY's text format: tab-separated fields, one line per row."""
    if frame.empty:
        return ""
    fields = [column_fields(frame[name], date=name in dates).tolist() for name in frame.columns]
    return "\n".join(map("\t".join, zip(*fields, strict=True))) + "\n"


# ---------------------------------------------------------------------------- loading
COUNTER_TRIGGER = "complaint_after_insert"


@dataclass(frozen=True)
class SeedResult:
    """What a seeding run loaded and how long it took."""

    first_id: int
    customers: int
    churned: int
    complaints: int
    seconds: float


def table(name: str) -> sql.Composable:
    """A table of schema churn as a quoted identifier."""
    return sql.Identifier("churn", name)


def copy_rows(
    cur: PgCursor, name: str, frame: pd.DataFrame, *, dates: tuple[str, ...] = ()
) -> None:
    """Stream a frame into churn.<name> with COPY FROM STDIN (text format)."""
    columns = sql.SQL(", ").join(map(sql.Identifier, frame.columns))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(table(name), columns)
    cur.copy_expert(statement, io.StringIO(copy_text(frame, dates=dates)), size=1 << 20)


def copy_chunk(cur: PgCursor, chunk: Chunk) -> None:
    """COPY one chunk: the profiles first, then their complaints (the foreign key needs them)."""
    copy_rows(cur, "customer_profile", chunk.customers, dates=("customer_since",))
    copy_rows(cur, "complaint", chunk.complaints)


def set_counter_trigger(cur: PgCursor, *, enabled: bool) -> None:
    """ENABLE or DISABLE the complaint counter trigger (a lock on churn.complaint until commit)."""
    action = sql.SQL("ENABLE" if enabled else "DISABLE")
    cur.execute(
        sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
            table("complaint"), action, sql.Identifier(COUNTER_TRIGGER)
        )
    )


@contextmanager
def counter_trigger_disabled(cur: PgCursor) -> Iterator[None]:
    """Run the block with the counter trigger off; the seeder writes the counters itself.

    ALTER TABLE is transactional: when the block fails, the caller's rollback re-enables the
    trigger, and other sessions never see it disabled.
    """
    set_counter_trigger(cur, enabled=False)
    yield
    set_counter_trigger(cur, enabled=True)


def truncate_seeded_tables(cur: PgCursor) -> None:
    """Empty complaints, profiles and the score log, and restart their identities."""
    tables = sql.SQL(", ").join(table(name) for name in SEEDED_TABLES)
    cur.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(tables))


def lock_for_seeding(cur: PgCursor) -> None:
    """Keep other writers out of the seeded tables until commit; readers are not blocked."""
    tables = sql.SQL(", ").join(table(name) for name in SEEDED_TABLES)
    try:
        cur.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(tables))
    except (psycopg2.errors.InvalidSchemaName, psycopg2.errors.UndefinedTable) as exc:
        raise PgchurnError("schema churn is not installed; fix: run `pgchurn migrate`") from exc


def existing_customers(cur: PgCursor) -> tuple[int, int]:
    """How many profiles exist, and the highest customer_id (0 when none)."""
    cur.execute("SELECT count(*), coalesce(max(customer_id), 0) FROM churn.customer_profile")
    count, highest = cur.fetchone()
    return int(count), int(highest)


def first_free_id(cur: PgCursor, *, replace: bool, append: bool) -> int:
    """Lock the tables, empty them for --replace, and return the first customer_id to use.

    Existing customers are refused unless `replace` or `append` says what to do with them.
    """
    lock_for_seeding(cur)
    count, highest = existing_customers(cur)
    if replace:
        truncate_seeded_tables(cur)
        attributes.install(cur)
        return 1
    if count == 0 or append:
        install_attributes(cur, count)
        return highest + 1
    raise PgchurnError(
        f"churn.customer_profile already holds {count:,} customers; fix: add --replace to delete "
        f"them with their complaints and score log, or --append to add customers after id {highest}"
    )


def install_attributes(cur: PgCursor, count: int) -> None:
    """Add the demo's attributes; refused when existing customers could not have them."""
    try:
        with savepoint(cur):
            attributes.install(cur)
    except psycopg2.errors.NotNullViolation as exc:
        raise PgchurnError(
            f"churn.customer_profile holds {count:,} customers without the demo's attributes "
            "(contract_type, monthly_charges, ...), which the demo needs on every row; fix: seed "
            "into a database of its own, or add --replace to delete those customers"
        ) from exc


@contextmanager
def savepoint(cur: PgCursor) -> Iterator[None]:
    """Run the block in a savepoint, rolled back (and the error re-raised) when it fails."""
    cur.execute("SAVEPOINT pgchurn_seed")
    try:
        yield
    except BaseException:
        cur.execute("ROLLBACK TO SAVEPOINT pgchurn_seed")
        raise
    cur.execute("RELEASE SAVEPOINT pgchurn_seed")


def analyze(conn: PgConnection) -> None:
    """ANALYZE the seeded tables so the planner knows their new sizes."""
    with conn, conn.cursor() as cur:
        for name in SEEDED_TABLES:
            cur.execute(sql.SQL("ANALYZE {}").format(table(name)))


Progress = Callable[[Iterator[Chunk], int], Iterable[Chunk]]


def no_progress(chunks: Iterator[Chunk], total: int) -> Iterable[Chunk]:
    """The default progress reporter: none."""
    return chunks


def load(cur: PgCursor, chunks: Iterable[Chunk]) -> tuple[int, int]:
    """COPY every chunk with the counter trigger off; returns (churned customers, complaints)."""
    churned = complaints = 0
    with counter_trigger_disabled(cur):
        for chunk in chunks:
            copy_chunk(cur, chunk)
            count_complaints(cur, chunk)
            churned += int(chunk.customers["churned_at"].notna().sum())
            complaints += len(chunk.complaints)
    return churned, complaints


COUNT_COMPLAINTS = """
UPDATE churn.customer_score s
   SET complaints_total = c.n, last_complaint_at = c.last_at
  FROM (SELECT customer_id, count(*)::integer AS n, max(created_at) AS last_at
          FROM churn.complaint WHERE customer_id BETWEEN %s AND %s GROUP BY customer_id) c
 WHERE s.customer_id = c.customer_id
"""


def count_complaints(cur: PgCursor, chunk: Chunk) -> None:
    """Write the chunk's complaint counters, which the disabled trigger would have written."""
    ids = chunk.customers["customer_id"]
    cur.execute(COUNT_COMPLAINTS, (int(ids.min()), int(ids.max())))


def seed_database(
    url: str,
    spec: SeedSpec,
    *,
    replace: bool = False,
    append: bool = False,
    progress: Progress = no_progress,
) -> SeedResult:
    """Load `spec` into the database in one transaction (all rows or none), then ANALYZE.

    spec.first_id is replaced by 1 (empty table or --replace) or by the highest id + 1 (append).
    `progress` wraps the stream of chunks, for example with rich.progress.track.
    """
    started = time.perf_counter()
    with closing(psycopg2.connect(url)) as conn:
        with conn, conn.cursor() as cur:
            first = first_free_id(cur, replace=replace, append=append)
            spec = dataclasses.replace(spec, first_id=first)
            churned, complaints = load(cur, progress(generate(spec), spec.chunks()))
        analyze(conn)
    seconds = time.perf_counter() - started
    return SeedResult(first, spec.customers, churned, complaints, seconds)
