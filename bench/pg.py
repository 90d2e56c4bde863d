"""A throw-away PostgreSQL server for benchmarks, durable as in production (fsync=on,
synchronous_commit=on, full_page_writes=on: the defaults), loopback only, in a temporary
directory; as root it runs as the `postgres` user. Stopped by the pid in its postmaster.pid.
(tests/core_system/pg_server.py is the tests' twin, with fsync off for speed.)
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


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@dataclass
class Pg:
    root: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            pid = int((self.root / "data" / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            pid = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def start(dir_: Path | None = None) -> Pg:
    """Raises FileNotFoundError when the server binaries are not installed."""
    initdb, postgres = _bin("initdb"), _bin("postgres")
    if initdb is None or postgres is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, postgres) not installed")
    root = Path(tempfile.mkdtemp(prefix="bench-pg-", dir=dir_))
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    subprocess.run(  # CalledProcessError (a subprocess.SubprocessError) when it fails
        [*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        + ["--no-locale"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    process = subprocess.Popen(
        [*as_user, postgres, "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pg = Pg(root, port, process)
    deadline = time.monotonic() + 60
    import psycopg

    while time.monotonic() < deadline:
        if process.poll() is not None:
            pg.stop()
            raise RuntimeError(f"postgres exited with {process.returncode}")
        try:
            with psycopg.connect(pg.url, connect_timeout=2):
                return pg
        except psycopg.OperationalError:
            time.sleep(0.1)
    pg.stop()
    raise RuntimeError("postgres did not start within 60 s")
