"""The kiosk's SQLite engine, tuned so a committed money record survives a power cut.

Durability trade-off: `synchronous=FULL` with WAL fsyncs the log on every commit, so a commit
that returned is on disk even after a power loss; it costs a few milliseconds per commit, which
a kiosk (a handful of transactions a minute) never notices. `synchronous=NORMAL` would be faster
but can lose the last commits on power loss, i.e. money taken with no record of it. WAL lets the
sync worker read while a journey writes; `busy_timeout` makes a writer wait for the lock instead
of failing at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 5000


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite files it creates the parent directory and sets PRAGMAs."""
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _begin_immediate(connection: Any) -> None:
    """Takes SQLite's write lock when a transaction starts, not at its first write.

    A journal append reads the previous hash and then inserts; in a deferred transaction another
    writer committing in between makes the upgrade fail at once with SQLITE_BUSY (busy_timeout
    cannot help a stale snapshot). Starting IMMEDIATE makes writers queue on busy_timeout instead.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Runs on every new DB-API connection: PRAGMAs are per connection, not per file."""
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would otherwise defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
