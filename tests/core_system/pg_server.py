"""A throw-away PostgreSQL server for tests: initdb in a temporary directory, loopback only.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
`postgres` user (runuser) in a directory that user owns. It is stopped by the pid in its own
postmaster.pid, never by name.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@dataclass
class PgServer:
    root: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        pid_file = self.root / "data" / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            pid = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)  # "fast" shutdown: roll back clients, exit cleanly
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_pg(*, durable: bool = False, dir_: Path | None = None) -> PgServer:
    """`durable`: as in production (fsync, full page writes: the defaults), for benchmarks;
    the tests' server skips both for speed. Raises FileNotFoundError without the binaries."""
    initdb, postgres = find_bin("initdb"), find_bin("postgres")
    if initdb is None or postgres is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, postgres) not installed")
    root = Path(tempfile.mkdtemp(prefix="kiosk-pg-", dir=dir_))
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    subprocess.run(
        [*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        + ["--no-locale", *([] if durable else ["--no-sync"])],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    process = subprocess.Popen(
        [*as_user, postgres, "-D", str(data), "-p", str(port), "-h", "127.0.0.1"]
        + ["-k", str(root)]
        + ([] if durable else ["-c", "fsync=off", "-c", "full_page_writes=off"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = PgServer(root, port, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(f"postgres exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
        except OSError:
            time.sleep(0.1)
            continue
        if _accepts_queries(server.url):
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("postgres did not start within 60 s")


def _accepts_queries(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql://", "postgresql://", 1), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False
