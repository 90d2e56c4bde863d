"""The kiosk's SQLite engine, tuned so a committed money record survives a power cut.

Durability trade-off: `synchronous=FULL` with WAL fsyncs the log on every commit, so a commit
that returned is on disk even after a power loss; it costs a few milliseconds per commit, which
a kiosk (a handful of transactions a minute) never notices. `synchronous=NORMAL` would be faster
but can lose the last commits on power loss, i.e. money taken with no record of it. WAL lets the
sync worker read while a journey writes; `busy_timeout` makes a writer wait for the lock instead
of failing at once.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from kiosk.errors import KioskError

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's own companions of a database file
MARKER_SUFFIX = ".CORRUPT"


class DatabaseCorrupt(KioskError):
    """The kiosk database cannot be trusted; it was moved aside for a technician."""

    code = "DATABASE_CORRUPT"


class DatabaseUnusable(KioskError):
    """SQLite refused the kiosk database (not a database, malformed, unreadable): reported
    with its reason instead of a raw SQLAlchemy traceback; nothing is moved."""

    code = "DATABASE_UNUSABLE"


def check_database(url: str) -> None:
    """Refuses to start on a corrupt SQLite database (issue 19 #10), before anything opens it.

    A corrupt file used to end in a raw SQLAlchemy traceback and exit 1: a crash loop under a
    supervisor, with no way forward. Now the file is moved aside *with* its -wal/-journal (the
    last commits may be in the log; a technician or sqlite3's .recover needs both), a marker
    `<db>.CORRUPT` says where they went, and DatabaseCorrupt is raised. While the marker exists
    every start refuses the same way: a fresh empty database would restart the seq counter and
    forget money the core has not heard about yet. The technician removes the marker once the
    database is restored (or a new one is deliberately wanted).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database).expanduser()
    marker = path.with_name(path.name + MARKER_SUFFIX)
    if marker.exists():
        raise DatabaseCorrupt(
            f"the kiosk database was found corrupt and moved aside ({_read(marker)}); the kiosk "
            f"will not start until a technician restores it and removes {marker}"
        )
    if not path.exists():
        return  # a fresh kiosk
    problem = _integrity_problem(path)
    if problem is None:
        return
    moved = _move_aside(path)
    marker.write_text(f"{problem}; moved to {', '.join(moved)}\n", "utf-8")
    raise DatabaseCorrupt(
        f"the kiosk database {path} is corrupt ({problem}); moved to {', '.join(moved)} for a "
        f"technician; the kiosk will not start until it is restored and {marker} removed"
    )


def _integrity_problem(path: Path) -> str | None:
    """None when SQLite's quick_check passes, else what it (or opening the file) said.

    The check must not change the evidence: an ordinary connection replays, rewrites or
    deletes a -wal/-journal on close - the very log a technician needs. Without side files the
    database is opened read-only and `immutable`; with them, a copy of the set is checked (so
    the log is replayed as the kiosk's own open would: a power cut mid-checkpoint is not
    mistaken for corruption).
    """
    sides = [path.with_name(path.name + s) for s in ("-wal", "-journal")]
    if not any(side.exists() for side in sides):
        return _quick_check(f"file:{path}?mode=ro&immutable=1")
    with tempfile.TemporaryDirectory(prefix="kiosk-dbcheck-") as tmp:
        copy = Path(tmp) / path.name
        for suffix in ("", "-wal", "-journal"):
            source = path.with_name(path.name + suffix)
            if source.exists():
                shutil.copyfile(source, copy.with_name(copy.name + suffix))
        return _quick_check(f"file:{copy}?mode=rw")


def _quick_check(uri: str) -> str | None:
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        return f"cannot open: {exc}"
    try:
        rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
    findings = [str(row[0]) for row in rows]
    return None if findings == ["ok"] else "; ".join(findings)[:300]


def _move_aside(path: Path) -> list[str]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    moved = []
    for suffix in ("", *SIDE_FILES):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.rename(target.with_name(target.name + suffix))
            moved.append(target.name + suffix)
    return moved


def _read(marker: Path) -> str:
    with contextlib.suppress(OSError):
        return marker.read_text("utf-8").strip()[:300]
    return "see the marker file"


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


def sqlite_file(engine: Engine) -> Path | None:
    """The database file behind `engine`, or None (not SQLite, or in memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if str(url.database).startswith("file:"):
        return None  # a URI filename (shared memory, options): leave it to the engine
    return Path(url.database).expanduser()


def connect_raw(path: Path) -> sqlite3.Connection:
    """A DB-API connection to the kiosk database with the engine's PRAGMAs (WAL,
    synchronous=FULL, busy_timeout) in autocommit mode: the caller issues BEGIN IMMEDIATE and
    COMMIT itself. For a writer that keeps one connection (the ledger's fast path)."""
    conn = sqlite3.connect(
        str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    _sqlite_pragmas(conn, None)
    return conn


class CachedReads:
    """Reads the UI thread repeats every tick, answered from memory while the database has not
    changed: each thread keeps one read connection of its own, and SQLite's `PRAGMA
    data_version` (it changes when any other connection commits to the file) says whether a
    remembered answer still holds. One PRAGMA instead of the queries while the kiosk idles."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = threading.local()

    def read(self, key: str, compute: Callable[[sqlite3.Cursor], T]) -> T:
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = connect_raw(self._path)
            local.memo = {}
        cur = conn.cursor()
        try:
            version = cur.execute("PRAGMA data_version").fetchone()[0]
            known = local.memo.get(key)
            if known is not None and known[0] == version:
                return known[1]  # type: ignore[no-any-return]
            value = compute(cur)
        finally:
            cur.close()
        local.memo[key] = (version, value)
        return value
