"""A throw-away PostgreSQL server for benchmarks, durable as in production (fsync=on,
synchronous_commit=on, full_page_writes=on: the defaults), loopback only, in a temporary
directory; as root it runs as the `postgres` user. Stopped by the pid in its postmaster.pid.
It is the tests' server (tests/core_system/pg_server.py) with durability left on.
"""

from __future__ import annotations

from pathlib import Path

from tests.core_system.pg_server import PgServer as Pg
from tests.core_system.pg_server import start_pg

__all__ = ["Pg", "start"]


def start(dir_: Path | None = None) -> Pg:
    """Raises FileNotFoundError when the server binaries are not installed."""
    return start_pg(durable=True, dir_=dir_)
