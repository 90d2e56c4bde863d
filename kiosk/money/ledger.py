"""Journal-before-act: the one place money steps become durable.

`commit_money` writes the journal entry and the outbox record in the same SQLite transaction, so
after a `kill -9` either both exist or neither does; the caller only drives the next device action
after it returns.

The fast path (issue 18): on a SQLite file the ledger keeps ONE DB-API connection of its own
(WAL, synchronous=FULL: the same durability as the engine) and runs each money step as one
BEGIN IMMEDIATE ... COMMIT of plain prepared statements: the outbox seq bump and row, the journal
row and the seal. The chain's head (last id and hash, the seal's count) is kept in memory: read
and checked against its own hash when the writer starts, and read again only when SQLite's
`PRAGMA data_version` says another connection committed since (a tool, another process, a
`journal.append` through a Session), so a chain written by several writers stays one chain.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.clock import Clock
from kiosk.money import journal
from kiosk.money.amount import Money
from kiosk.money.cash import counter_table
from kiosk.money.journal import JournalBase, JournalEntry, JournalRecord
from offline_queue.db import connect_raw, sqlite_file
from offline_queue.outbox import Outbox


class _Writer:
    """The ledger's own connection and the chain head it keeps (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._head: journal.Head | None = None
        self._version: int | None = None

    @contextmanager
    def begin(self) -> Iterator[tuple[sqlite3.Cursor, list[journal.Head]]]:
        """One write transaction; yields the cursor and a one-item list holding the head
        (the body replaces it as it appends); committed on a clean exit, else rolled back."""
        with self._lock:
            if self._conn is None:
                self._conn = connect_raw(self._path)
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                version = int(cur.execute("PRAGMA data_version").fetchone()[0])
                if self._head is None or version != self._version:
                    self._head = journal.read_head(cur)
                box = [self._head]
                yield cur, box
                cur.execute("COMMIT")
            except BaseException:
                self._head = None  # read again from the database next time
                if self._conn.in_transaction:
                    self._conn.rollback()
                raise
            finally:
                cur.close()
            self._head, self._version = box[0], version

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._head = None, None


class Ledger:
    def __init__(
        self, engine: Engine, outbox: Outbox, clock: Clock, *, seal_key: bytes | None = None
    ) -> None:
        self._seal_key = seal_key  # seals the journal against truncation (see journal.py)
        self._engine = engine
        self._outbox = outbox
        self._clock = clock
        path = sqlite_file(engine)
        self._writer = None if path is None else _Writer(path)

    def close(self) -> None:
        """Closes the ledger's own connection (opened again on the next write)."""
        if self._writer is not None:
            self._writer.close()

    def create_schema(self) -> None:
        """Creates the journal's tables; at start-up the cashbox counters are recounted."""
        JournalBase.metadata.create_all(self._engine)
        counter_table.install(self._engine)

    def record(
        self,
        session_id: str,
        kind: str,
        data: dict[str, Any] | None = None,
        *,
        txn_id: str | None = None,
    ) -> None:
        """Journals a step that moves no money to the core (a decision, a device outcome)."""
        if self._writer is not None:
            with self._writer.begin() as (cur, head):
                head[0] = journal.append_fast(
                    cur,
                    head[0],
                    at=self._clock.now(),
                    session_id=session_id,
                    kind=kind,
                    data=data or {},
                    txn_id=txn_id,
                    seal_key=self._seal_key,
                )
            return
        with Session(self._engine) as session, session.begin():
            journal.append(
                session,
                at=self._clock.now(),
                session_id=session_id,
                kind=kind,
                data=data or {},
                txn_id=txn_id,
                seal_key=self._seal_key,
            )

    def commit_money(
        self,
        session_id: str,
        kind: str,
        data: dict[str, Any],
        *,
        txn_id: str,
        txn_type: str,
        amount: Money,
        tender: dict[str, Any],
        details: dict[str, Any],
    ) -> int:
        """Journals a money step and queues its core transaction atomically; returns its seq."""
        now = self._clock.now()
        if self._writer is not None:
            with self._writer.begin() as (cur, head):
                seq = self._outbox.enqueue_raw(
                    cur,
                    txn_id=txn_id,
                    type=txn_type,
                    amount=amount,
                    tender=tender,
                    details=details,
                    created_at=now,
                )
                head[0] = journal.append_fast(
                    cur,
                    head[0],
                    at=now,
                    session_id=session_id,
                    kind=kind,
                    data={**data, "seq": seq, "amount": amount.wire()},
                    txn_id=txn_id,
                    seal_key=self._seal_key,
                )
            return seq
        with Session(self._engine) as session, session.begin():
            seq = self._outbox.enqueue(
                session,
                txn_id=txn_id,
                type=txn_type,
                amount=amount,
                tender=tender,
                details=details,
                created_at=now,
            )
            journal.append(
                session,
                at=now,
                session_id=session_id,
                kind=kind,
                data={**data, "seq": seq, "amount": amount.wire()},
                txn_id=txn_id,
                seal_key=self._seal_key,
            )
        return seq

    def records(
        self, *, session_id: str | None = None, txn_id: str | None = None
    ) -> list[JournalRecord]:
        query = select(JournalEntry).order_by(JournalEntry.id)
        if session_id is not None:
            query = query.where(JournalEntry.session_id == session_id)
        if txn_id is not None:
            query = query.where(JournalEntry.txn_id == txn_id)
        with Session(self._engine) as session:
            return [journal.to_record(e) for e in session.execute(query).scalars()]

    def check(self) -> journal.ChainReport:
        with Session(self._engine) as session:
            return journal.check_chain(session, self._seal_key)

    def verify(self) -> int | None:
        with Session(self._engine) as session:
            return journal.verify_chain(session)
