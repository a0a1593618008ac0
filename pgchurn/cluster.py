"""A PostgreSQL 15 cluster that pgchurn owns: the demo's in `.pgchurn/`, the tests' in a temp dir.

PostgreSQL refuses to run as root. When we are root, every server-side command (initdb,
pg_ctl, postgres) runs as an unprivileged OS user (`postgres` by default, or
`PGCHURN_SERVER_USER`), and the data directory is owned by that user. As an ordinary user the
server runs as that user. The system cluster (port 5432) is never touched.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pgchurn.errors import PgchurnError

PG_BIN = Path(os.environ.get("PGCHURN_PG_BIN", "/usr/lib/postgresql/15/bin"))
DEFAULT_PORT = 54329
SUPERUSER = "postgres"
DATABASE = "pgchurn"

# Settings for a cluster we own. fsync stays on: benchmarks must see real durability costs.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "max_connections": "120",
    "shared_buffers": "'256MB'",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] %u@%d '",
}

# pg_cron (Debian package postgresql-15-cron) runs the nightly jobs inside the server; see
# docs/scheduling.md. Preloaded only when installed, so a machine without it still works. Its
# metadata lives in database `postgres`; jobs for other databases use cron.schedule_in_database.
# cron.host matches listen_addresses: the cluster has no Unix socket.
PG_CRON_LIBRARY = PG_BIN.parent / "lib" / "pg_cron.so"
PG_CRON_SETTINGS = {
    "shared_preload_libraries": "'pg_cron'",
    "cron.database_name": "'postgres'",
    "cron.host": "'127.0.0.1'",
}


def server_settings() -> dict[str, str]:
    """What init() appends to postgresql.conf: SERVER_SETTINGS, plus pg_cron when installed."""
    if PG_CRON_LIBRARY.exists():
        return SERVER_SETTINGS | PG_CRON_SETTINGS
    return dict(SERVER_SETTINGS)


def server_os_user() -> str | None:
    """The OS user the server must run as, or None to run as ourselves."""
    if os.geteuid() != 0:
        return None
    return os.environ.get("PGCHURN_SERVER_USER", "postgres")


def _as_server(cmd: list[str]) -> list[str]:
    user = server_os_user()
    if user is None:
        return cmd
    return ["runuser", "-u", user, "--", *cmd]


def _run(cmd: list[str], *, what: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(_as_server(cmd), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        tail = detail[-1] if detail else f"exit code {proc.returncode}"
        raise PgchurnError(f"{what} failed: {tail}")
    return proc


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass(frozen=True)
class Cluster:
    """One PostgreSQL cluster: where its files are and which port it listens on."""

    base: Path
    port: int = DEFAULT_PORT

    @property
    def data_dir(self) -> Path:
        """The data directory, resolved through the relocation symlink when root needs one."""
        return (self.base / "data").resolve()

    @property
    def log_file(self) -> Path:
        """The server's log (the same folder as the data directory, owned by the server user)."""
        return self.data_dir.parent / "server.log"

    @property
    def url(self) -> str:
        """URL of the pgchurn database in this cluster."""
        return self.database_url(DATABASE)

    def database_url(self, dbname: str) -> str:
        """URL of any database in this cluster, as the superuser."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    # ------------------------------------------------------------------ state
    def initialized(self) -> bool:
        """True when initdb has run here."""
        return (self.base / "data" / "PG_VERSION").exists()

    def running(self) -> bool:
        """True when the postmaster of this data directory is up."""
        if not self.initialized():
            return False
        proc = subprocess.run(
            _as_server([str(PG_BIN / "pg_ctl"), "status", "-D", str(self.data_dir)]),
            capture_output=True,
            text=True,
            check=False,
        )
        return proc.returncode == 0

    # ------------------------------------------------------------------ actions
    def init(self) -> bool:
        """Run initdb unless done; returns True when it ran."""
        if self.initialized():
            return False
        data = self._prepare_data_dir()
        _run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-locale",
            ],
            what="initdb",
        )
        conf = data / "postgresql.conf"
        lines = [f"{k} = {v}" for k, v in server_settings().items()]
        with conf.open("a", encoding="utf-8") as fh:
            fh.write("\n# pgchurn's own cluster\n" + "\n".join(lines) + "\n")
        return True

    def start(self) -> bool:
        """Start the server unless it runs; returns True when it started it."""
        if self.running():
            return False
        if _port_in_use(self.port):
            raise PgchurnError(
                f"port {self.port} is already in use by another server; "
                "fix: set PGCHURN_PORT to a free port"
            )
        _run(
            [
                str(PG_BIN / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                f"-p {self.port}",
            ],
            what=f"starting PostgreSQL (log: {self.log_file})",
        )
        self._wait_ready()
        return True

    def stop(self, *, mode: str = "fast") -> bool:
        """Stop the server if it runs (pg_ctl's mode: smart, fast or immediate, a crash)."""
        if not self.running():
            return False
        _run(
            [str(PG_BIN / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.data_dir)],
            what="stopping PostgreSQL",
        )
        return True

    def destroy(self) -> None:
        """Stop the server and delete its files (used by the test fixtures)."""
        self.stop()
        real = self.data_dir.parent
        shutil.rmtree(self.base, ignore_errors=True)
        if real != self.base:
            shutil.rmtree(real, ignore_errors=True)

    def create_database(self, dbname: str = DATABASE) -> bool:
        """Create a database unless it exists; returns True when it created it."""
        import psycopg2
        from psycopg2 import sql

        conn = psycopg2.connect(self.database_url("postgres"))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
                if cur.fetchone():
                    return False
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
                return True
        finally:
            conn.close()

    # ------------------------------------------------------------------ helpers
    def _prepare_data_dir(self) -> Path:
        """Create the data directory so the server user owns it and can reach it.

        As root, a project under a private home (mode 0700) cannot be reached by `postgres`;
        then the data lives under /var/lib/pgchurn and `.pgchurn/data` is a symlink to it.
        """
        self.base.mkdir(parents=True, exist_ok=True)
        link = self.base / "data"
        user = server_os_user()
        if user is None:
            link.mkdir(mode=0o700, exist_ok=True)
            return link
        pw = pwd.getpwnam(user)
        target_parent = self.base
        if not _reachable_by(user, self.base):
            digest = hashlib.sha256(str(self.base.resolve()).encode()).hexdigest()[:16]
            target_parent = Path("/var/lib/pgchurn") / digest
            target_parent.mkdir(parents=True, exist_ok=True)
        data = target_parent / "data"
        data.mkdir(mode=0o700, exist_ok=True)
        # The server user writes its log next to the data directory, so it owns the parent too.
        for path in (target_parent, data):
            os.chown(path, pw.pw_uid, pw.pw_gid)
        if data != link:
            link.unlink(missing_ok=True)
            link.symlink_to(data)
        return data

    def _wait_ready(self, timeout: float = 30.0) -> None:
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(self.database_url("postgres"), connect_timeout=2).close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PgchurnError(f"server did not accept connections: {exc}") from exc
                time.sleep(0.1)


def _reachable_by(user: str, path: Path) -> bool:
    proc = subprocess.run(
        ["runuser", "-u", user, "--", "test", "-x", str(path)],
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def project_root() -> Path:
    """The checkout this package runs from (pgchurn is installed in editable mode)."""
    return Path(__file__).resolve().parent.parent


def local_cluster() -> Cluster:
    """The project's own demo cluster under `.pgchurn/`."""
    port = int(os.environ.get("PGCHURN_PORT", DEFAULT_PORT))
    return Cluster(base=project_root() / ".pgchurn", port=port)
