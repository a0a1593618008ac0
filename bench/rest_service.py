"""The alternative pgchurn replaces: a REST scoring service (FastAPI under uvicorn).

It loads the pickled scikit-learn pipeline named by BENCH_REST_MODEL, the same fitted
pipeline whose PMML pgchurn scores, and answers POST /score with a JSON object of features
(a row of churn.feature_frame) by `predict_proba` on a one-row DataFrame: what a typical
service does. `Service` starts and stops it for the benchmark: `python -m bench.rest_service
PORT WORKERS` runs uvicorn's own multi-process supervisor (2 workers, 127.0.0.1 only).
"""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from pgchurn.cluster import free_port

MODEL_ENV = "BENCH_REST_MODEL"
# scikit-learn warns on every request served from a worker thread that its joblib `delayed`
# runs outside its `Parallel`; harmless here, and it would flood the benchmark's output.
warnings.filterwarnings("ignore", message=".*should be used with .*Parallel", category=UserWarning)
app = FastAPI()
_bundle: dict[str, Any] = {}


def bundle() -> dict[str, Any]:
    """{"pipeline", "numeric", "categorical"}, loaded once per worker."""
    if not _bundle:
        with Path(os.environ[MODEL_ENV]).open("rb") as fh:
            _bundle.update(pickle.load(fh))  # noqa: S301 - written by bench.models
    return _bundle


@app.get("/health")
def health() -> dict[str, str]:
    bundle()
    return {"status": "ok"}


def frame_of(b: dict[str, Any], rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """The pipeline's input columns of `rows` (dicts or a frame), numeric ones as float."""
    frame = pd.DataFrame(rows, columns=b["numeric"] + b["categorical"])
    frame[b["numeric"]] = frame[b["numeric"]].astype(float)
    return frame


@app.post("/score")
def score(features: dict[str, Any]) -> dict[str, float]:
    b = bundle()
    return {"score": float(b["pipeline"].predict_proba(frame_of(b, [features]))[0, 1])}


def listening_socket(port: int) -> socket.socket:
    """127.0.0.1:port for uvicorn's workers, with TCP_NODELAY.

    `uvicorn --workers N` binds `socket.socket(AF_INET)`, whose proto is 0, so asyncio never
    sets TCP_NODELAY on the accepted connections: every response then waits about 40 ms for
    the client's delayed ACK (measured here: 44 ms per request with 2 workers, 1 ms with 1).
    A service in production would not run like that, so the benchmark binds the socket itself.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    sock.set_inheritable(True)
    return sock


def serve(port: int, workers: int) -> None:
    """What `uvicorn bench.rest_service:app --workers N` does, on `listening_socket(port)`."""
    config = uvicorn.Config(
        "bench.rest_service:app",
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
    Multiprocess(config, sockets=[listening_socket(port)]).run()


class Service:
    """uvicorn with `workers` processes on a free port of 127.0.0.1, as a context manager."""

    def __init__(self, pickle_path: Path, workers: int = 2) -> None:
        self.pickle_path = pickle_path
        self.workers = workers
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Service:
        cmd = [sys.executable, "-m", "bench.rest_service", str(self.port), str(self.workers)]
        env = {**os.environ, MODEL_ENV: str(self.pickle_path)}
        root = Path(__file__).resolve().parent.parent
        self.proc = subprocess.Popen(cmd, env=env, cwd=root)
        self._wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the REST scoring service did not start on {self.url}")

    def warm(self, features: dict[str, Any], requests: int = 100) -> None:
        """Send some requests so that both workers have loaded the pipeline."""
        with httpx.Client(base_url=self.url, timeout=10) as client:
            for _ in range(requests):
                client.post("/score", json=features).raise_for_status()


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
