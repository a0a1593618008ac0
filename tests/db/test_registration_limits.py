"""Registering a large forest: bounded memory, and a cancel or terminate acts within a second.

The document is a random forest of many deep trees (about 15 MB of PMML), trained and
exported once for this module. Times are measured from the moment the second connection
sends the cancel or terminate to the moment the registering client sees the error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from psycopg2 import errors as pg_errors

from tests import datasets
from tests.trained import CATEGORICAL, INPUTS, NUMERIC

pytestmark = pytest.mark.demo_profile

LATENCY_LIMIT_S = 1.0
MEMORY_FACTOR = 10  # the target
REGRESSION_FACTOR = 8.5  # what is reached, with a margin (measured 7.0-7.1x; 23-24x before 0010)


@pytest.fixture(scope="module")
def big_forest(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A random forest of 55 unpruned trees: about 15 MB of PMML with verification rows."""
    from pgchurn.train.export import export_pmml
    from pgchurn.train.pipelines import build_pipeline

    frame = datasets.fill_missing(datasets.telecom_churn(5000, 0))
    pipeline = build_pipeline("forest", numeric=NUMERIC, categorical=CATEGORICAL)
    pipeline.set_params(classifier__n_estimators=55, classifier__max_depth=None)
    pipeline.fit(frame[INPUTS], frame[datasets.TARGET])
    out = tmp_path_factory.mktemp("big") / "forest.pmml"
    return export_pmml(pipeline, frame[INPUTS].sample(n=100, random_state=0), out)


def _status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a backend (the server runs as postgres; the tests as root)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def _backend(db_url: str) -> tuple[Any, int]:
    conn = psycopg2.connect(db_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DO LANGUAGE plpython3u 'pass'")  # start Python before measuring
        cur.execute("SELECT pg_backend_pid()")
        pid = int(cur.fetchone()[0])
    return conn, pid


class Registration(threading.Thread):
    """churn.register_model in its own thread; records the error and when it arrived."""

    def __init__(self, conn: Any, pmml: str, setup: str | None = None) -> None:
        super().__init__(daemon=True)
        self.conn, self.pmml, self.setup = conn, pmml, setup
        self.error: BaseException | None = None
        self.ended = 0.0

    def run(self) -> None:
        try:
            with self.conn.cursor() as cur:
                if self.setup:
                    cur.execute(self.setup)
                cur.execute("SELECT churn.register_model(%s, 'big-forest')", (self.pmml,))
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            self.error = exc
        self.ended = time.monotonic()


def _wait_until_running(admin: Any, pid: int, seconds: float) -> None:
    """Wait until the backend has been executing register_model for `seconds`."""
    deadline = time.monotonic() + 120
    with admin.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute(
                "SELECT extract(epoch FROM clock_timestamp() - query_start) FROM pg_stat_activity"
                " WHERE pid = %s AND state = 'active' AND query LIKE %s",
                (pid, "%register_model%"),
            )
            row = cur.fetchone()
            if row is not None and float(row[0]) >= seconds:
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} never ran register_model for {seconds}s")


@pytest.fixture
def admin(db_url: str) -> Iterator[Any]:
    conn = psycopg2.connect(db_url)
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


def _stored_models(admin: Any) -> int:
    with admin.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn.model")
        return int(cur.fetchone()[0])


@pytest.mark.slow
@pytest.mark.parametrize("after_s", [0.3, 1.5, 4.0])
def test_cancel_during_registration_acts_within_a_second(
    db_url: str, admin: Any, big_forest: str, after_s: float
) -> None:
    """pg_cancel_backend at several points (parse, compile) ends it with 57014 within 1 s."""
    conn, pid = _backend(db_url)
    try:
        job = Registration(conn, big_forest)
        job.start()
        _wait_until_running(admin, pid, after_s)
        with admin.cursor() as cur:
            sent = time.monotonic()
            cur.execute("SELECT pg_cancel_backend(%s)", (pid,))
        job.join(30)
        assert not job.is_alive()
        assert isinstance(job.error, pg_errors.QueryCanceled), job.error
        assert job.error.pgcode == "57014"
        print(f"cancel after {after_s}s of work acted in {job.ended - sent:.3f}s")
        assert job.ended - sent < LATENCY_LIMIT_S, f"cancel took {job.ended - sent:.2f}s"
    finally:
        conn.close()
    assert _stored_models(admin) == 0


@pytest.mark.slow
def test_statement_timeout_acts_within_a_second(db_url: str, admin: Any, big_forest: str) -> None:
    """statement_timeout cancels a long registration within 1 s of the timeout."""
    conn, _ = _backend(db_url)
    try:
        job = Registration(conn, big_forest, setup="SET statement_timeout = '2s'")
        started = time.monotonic()
        job.start()
        job.join(30)
        print(f"statement_timeout 2s: the error arrived after {job.ended - started:.3f}s")
        assert isinstance(job.error, pg_errors.QueryCanceled), job.error
        assert "statement timeout" in str(job.error)
        assert job.ended - started < 2.0 + LATENCY_LIMIT_S, f"{job.ended - started:.2f}s"
    finally:
        conn.close()
    assert _stored_models(admin) == 0


@pytest.mark.slow
def test_terminate_ends_the_backend_within_a_second_without_a_restart(
    db_url: str, admin: Any, big_forest: str
) -> None:
    """pg_terminate_backend ends only that backend, within 1 s; the postmaster keeps running."""
    with admin.cursor() as cur:
        cur.execute("SELECT pg_postmaster_start_time()")
        started_at = cur.fetchone()[0]
    conn, pid = _backend(db_url)
    job = Registration(conn, big_forest)
    job.start()
    _wait_until_running(admin, pid, 1.5)
    with admin.cursor() as cur:
        sent = time.monotonic()
        cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
    job.join(30)
    print(f"terminate acted in {job.ended - sent:.3f}s")
    assert isinstance(job.error, psycopg2.OperationalError), job.error
    assert job.ended - sent < LATENCY_LIMIT_S, f"terminate took {job.ended - sent:.2f}s"
    assert not Path(f"/proc/{pid}").exists() or _gone_soon(pid)
    with admin.cursor() as cur:  # the same admin connection survived: no cluster restart
        cur.execute("SELECT pg_postmaster_start_time()")
        assert cur.fetchone()[0] == started_at
    assert _stored_models(admin) == 0
    conn.close()


def _gone_soon(pid: int) -> bool:
    deadline = time.monotonic() + LATENCY_LIMIT_S
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.02)
    return False


def _registration_growth(db_url: str, pmml: str) -> float:
    """Peak RSS growth of a fresh backend while it registers `pmml`, in bytes."""
    conn, pid = _backend(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT churn._load_code()")  # pgchurn's package, before measuring
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
            before = _status_kb(pid)
            cur.execute("SELECT churn.register_model(%s, 'big-forest')", (pmml,))
            after = _status_kb(pid)
    finally:
        conn.close()
    return float(after["VmHWM"] - before["VmRSS"]) * 1024


@pytest.mark.slow
def test_registration_memory_is_bounded(db_url: str, admin: Any, big_forest: str) -> None:
    """Peak RSS growth while registering stays under 8.5x the document (revision 0009: 98x).

    The growth counts everything the backend does for the statement, including PostgreSQL's
    own copies of the document (query text, parse tree, argument) and of the stored values.
    """
    size = len(big_forest.encode("utf-8"))
    growth = _registration_growth(db_url, big_forest)
    print(f"document {size / 1e6:.1f} MB, peak growth {growth / 1e6:.0f} MB = {growth / size:.1f}x")
    assert growth <= REGRESSION_FACTOR * size, f"{growth / size:.1f}x the document"
    assert _stored_models(admin) == 1


@pytest.mark.slow
def test_registration_memory_is_at_most_ten_times_the_document(
    db_url: str, admin: Any, big_forest: str
) -> None:
    """The issue's target: peak RSS growth at most 10x the document's size."""
    size = len(big_forest.encode("utf-8"))
    growth = _registration_growth(db_url, big_forest)
    assert growth <= MEMORY_FACTOR * size, f"{growth / size:.1f}x the document"
    assert _stored_models(admin) == 1


@pytest.mark.slow
def test_a_large_model_is_stored_compressed_and_loads_without_compiling(
    db_url: str, admin: Any, big_forest: str
) -> None:
    """What registration stores: the module's first line and bytecode a fraction of the
    document; a new backend scores from it without compiling (nothing is stored again)."""
    conn, _ = _backend(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT churn.register_model(%s, 'big-forest')", (big_forest,))
            model_id = cur.fetchone()[0]
    finally:
        conn.close()
    stored = "SELECT source, length(code), compiled_at FROM churn.model_compiled"
    with admin.cursor() as cur:
        cur.execute(stored)
        ((source, code_bytes, compiled_at),) = cur.fetchall()
    assert source.startswith("# pgchurn PMML runtime: generated scoring module v3 python3.")
    assert source.count("\n") == 1 and source.endswith("\n")
    assert code_bytes < len(big_forest) / 3, f"{code_bytes} bytes of code"
    frame = datasets.fill_missing(datasets.telecom_churn(5, 1))
    fresh = psycopg2.connect(db_url)
    try:
        with fresh.cursor() as cur:
            for features in frame[INPUTS].to_json(orient="records", lines=True).splitlines():
                cur.execute("SELECT churn.predict(%s::jsonb, %s)", (features, model_id))
                assert 0.0 <= cur.fetchone()[0] <= 1.0
        assert not [n for n in fresh.notices if "recompiling" in n]
    finally:
        fresh.close()
    with admin.cursor() as cur:
        cur.execute(stored)
        assert cur.fetchall() == [(source, code_bytes, compiled_at)]
