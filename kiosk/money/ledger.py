"""Journal-before-act: the one place money steps become durable.

`commit_money` writes the journal entry and the outbox record in the same SQLite transaction, so
after a `kill -9` either both exist or neither does; the caller only drives the next device action
after it returns.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.clock import Clock
from kiosk.money import journal
from kiosk.money.amount import Money
from kiosk.money.journal import JournalBase, JournalEntry, JournalRecord
from offline_queue.outbox import Outbox


class Ledger:
    def __init__(
        self, engine: Engine, outbox: Outbox, clock: Clock, *, seal_key: bytes | None = None
    ) -> None:
        self._seal_key = seal_key  # seals the journal against truncation (see journal.py)
        self._engine = engine
        self._outbox = outbox
        self._clock = clock

    def create_schema(self) -> None:
        JournalBase.metadata.create_all(self._engine)

    def record(
        self,
        session_id: str,
        kind: str,
        data: dict[str, Any] | None = None,
        *,
        txn_id: str | None = None,
    ) -> None:
        """Journals a step that moves no money to the core (a decision, a device outcome)."""
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
