"""Outbox row counts per state, kept by SQLite triggers in the transaction that changes a row.

`Outbox.status()` is read on the UI thread (the services menu asks whether the core is taking
money) and by the health snapshot; counting every row there cost 48 ms at 100k rows (issue 18).
The counts live in `outbox_counts` (one row per state) and are changed by triggers on
`outbox_items` INSERT / UPDATE OF state / DELETE (the last success, in `outbox_marks`, when an
item is accepted), i.e. inside the very statement that changes a row, whoever runs it (the
worker, the CLI, a technician's sqlite3 shell): a rolled-back transaction rolls its counts back
too, so they cannot drift. `install` recounts from the rows at start-up
(`Outbox.create_schema`) and `check` compares them with a fresh count.

The table is created by the same `create_all` that creates `outbox_items` (after_create), or by
`install` for a database made before the counters existed; until then `status()` counts rows.
SQLite only: on another engine the counters are not installed and status() counts rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event, text

from offline_queue.models import OutboxItem, OutboxState

STATES = tuple(s.value for s in OutboxState)

_DDL = (
    "CREATE TABLE IF NOT EXISTS outbox_counts (state VARCHAR(16) PRIMARY KEY, n INTEGER NOT NULL)",
    # every state has its row from the start (seeded below), so a trigger only adds/subtracts
    """CREATE TRIGGER IF NOT EXISTS outbox_counts_ins AFTER INSERT ON outbox_items BEGIN
         UPDATE outbox_counts SET n = n + 1 WHERE state = NEW.state;
       END""",
    """CREATE TRIGGER IF NOT EXISTS outbox_counts_upd AFTER UPDATE OF state ON outbox_items
       WHEN OLD.state IS NOT NEW.state BEGIN
         UPDATE outbox_counts SET n = n - 1 WHERE state = OLD.state;
         UPDATE outbox_counts SET n = n + 1 WHERE state = NEW.state;
       END""",
    """CREATE TRIGGER IF NOT EXISTS outbox_counts_del AFTER DELETE ON outbox_items BEGIN
         UPDATE outbox_counts SET n = n - 1 WHERE state = OLD.state;
       END""",
    # the last success: kept when an item is accepted, not indexed on every enqueue
    "CREATE TABLE IF NOT EXISTS outbox_marks (name VARCHAR(32) PRIMARY KEY, at DATETIME)",
    """CREATE TRIGGER IF NOT EXISTS outbox_marks_acc AFTER UPDATE OF accepted_at ON outbox_items
       WHEN NEW.accepted_at IS NOT NULL BEGIN
         UPDATE outbox_marks SET at = NEW.accepted_at
           WHERE name = 'last_success' AND (at IS NULL OR at < NEW.accepted_at);
       END""",
    """CREATE TRIGGER IF NOT EXISTS outbox_marks_ins AFTER INSERT ON outbox_items
       WHEN NEW.accepted_at IS NOT NULL BEGIN
         UPDATE outbox_marks SET at = NEW.accepted_at
           WHERE name = 'last_success' AND (at IS NULL OR at < NEW.accepted_at);
       END""",
    "DROP INDEX IF EXISTS ix_outbox_accepted_at",  # made by a first version of the counters
    # status(): the oldest waiting item and the newest error are index look-ups
    "CREATE INDEX IF NOT EXISTS ix_outbox_state_created ON outbox_items (state, created_at)",
    "CREATE INDEX IF NOT EXISTS ix_outbox_errors ON outbox_items (updated_at, seq) "
    "WHERE state != 'accepted' AND last_error IS NOT NULL",
)

_RECOUNT = (
    "DELETE FROM outbox_counts",
    "INSERT INTO outbox_counts (state, n) SELECT state, count(*) FROM outbox_items GROUP BY state",
    "INSERT OR IGNORE INTO outbox_counts (state, n) VALUES "
    + ", ".join(f"('{state}', 0)" for state in STATES),
    "DELETE FROM outbox_marks",
    "INSERT INTO outbox_marks (name, at) SELECT 'last_success', max(accepted_at) FROM outbox_items",
)


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _create(conn: Connection) -> None:
    for statement in _DDL:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO outbox_counts (state, n) VALUES "
        + ", ".join(f"('{state}', 0)" for state in STATES)
    )
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO outbox_marks (name, at) VALUES ('last_success', NULL)"
    )


@event.listens_for(OutboxItem.__table__, "after_create")
def _after_create(_table: Any, conn: Connection, **_kw: Any) -> None:
    """A fresh outbox_items table is empty: zero counts are exact from its first row on."""
    if _is_sqlite(conn):
        _create(conn)


def install(engine: Engine) -> bool:
    """Creates the table and triggers if missing and recounts from the rows (start-up);
    False on an engine that is not SQLite."""
    with engine.begin() as conn:
        if not _is_sqlite(conn):
            return False
        _create(conn)
        for statement in _RECOUNT:
            conn.exec_driver_sql(statement)
    return True


def fresh_counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(text("SELECT state, count(*) FROM outbox_items GROUP BY state"))
    counts = dict.fromkeys(STATES, 0)
    counts.update({str(state): int(n) for state, n in rows})
    return counts


def kept_counts(conn: Connection) -> dict[str, int] | None:
    """The counters, or None where they are not installed."""
    if not _is_sqlite(conn):
        return None
    exists = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox_counts'"
    ).first()
    if exists is None:
        return None
    counts = dict.fromkeys(STATES, 0)
    counts.update(
        {str(s): int(n) for s, n in conn.exec_driver_sql("SELECT state, n FROM outbox_counts")}
    )
    return counts


def check(engine: Engine, *, repair: bool = True) -> bool:
    """True when the counters equal a fresh count of the rows; a mismatch is recounted
    (with `repair`) and reported as False. A full scan: for start-up and tools, never the UI."""
    with engine.begin() as conn:
        kept = kept_counts(conn)
        if kept is None:
            return True  # nothing kept, nothing to drift
        if kept == fresh_counts(conn):
            return True
        if repair:
            for statement in _RECOUNT:
                conn.exec_driver_sql(statement)
        return False
