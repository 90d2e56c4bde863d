"""Technician operations on the outbox: list dead letters, re-queue one, export everything.

Kept apart from `Outbox` (which the journey and the sync worker use) because these are the only
operations that move an item *backwards* (dead -> pending), and they are run by a person from
`kiosk queue ...`, possibly while the kiosk itself is running: every change is one short
IMMEDIATE transaction, so it interleaves safely with the journey and the worker.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from kiosk.clock import Clock, rfc3339
from kiosk.errors import KioskError
from offline_queue.models import OutboxItem, OutboxState


class QueueAdminError(KioskError):
    code = "QUEUE_ADMIN"


@dataclass(frozen=True)
class DeadLetter:
    txn_id: str
    seq: int
    type: str
    amount: str
    currency: str
    attempts: int
    error: str
    created_at: datetime
    dead_since: datetime


class QueueAdmin:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def dead_letters(self) -> list[DeadLetter]:
        """Dead items, oldest seq first: what a technician must resolve with the back office."""
        with Session(self._engine) as s:
            rows = s.scalars(
                select(OutboxItem)
                .where(OutboxItem.state == OutboxState.DEAD)
                .order_by(OutboxItem.seq)
            )
            out = []
            for row in rows:
                payload = json.loads(row.payload)
                out.append(
                    DeadLetter(
                        txn_id=row.txn_id,
                        seq=row.seq,
                        type=row.type,
                        amount=str(payload.get("amount", "")),
                        currency=str(payload.get("currency", "")),
                        attempts=row.attempts,
                        error=row.last_error or "",
                        created_at=row.created_at,
                        dead_since=row.updated_at,
                    )
                )
            return out

    def retry(self, txn_id: str) -> int:
        """Puts one dead item back to pending, due now; returns its seq.

        The payload is resent unchanged (same txn_id, same content), so a retry can never make
        the core count the money twice: at worst it answers `duplicate`.
        """
        now = self._clock.now()
        with Session(self._engine) as s, s.begin():
            row = s.scalar(select(OutboxItem).where(OutboxItem.txn_id == txn_id))
            if row is None:
                raise QueueAdminError(f"no outbox item {txn_id}", code="QUEUE_UNKNOWN_TXN")
            if row.state is not OutboxState.DEAD:
                raise QueueAdminError(
                    f"{txn_id} is {row.state.value}, only dead items can be retried",
                    code="QUEUE_NOT_DEAD",
                )
            s.execute(
                update(OutboxItem)
                .where(OutboxItem.id == row.id)
                .values(
                    state=OutboxState.PENDING,
                    next_attempt_at=now,
                    updated_at=now,
                    last_error=f"retried by technician after: {row.last_error or ''}"[:500],
                )
            )
            return row.seq

    def export(self, path: Path) -> int:
        """Writes every item as JSON Lines (seq order) atomically; returns the item count.

        Written to a temporary file, fsynced and renamed, so a half-written export never
        replaces a good one. The payload holds no secret: tokens never enter the outbox and a
        card tender carries a masked PAN only.
        """
        tmp = path.with_name(path.name + ".tmp")
        count = 0
        with tmp.open("w", encoding="utf-8") as out:
            for record in self._records():
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        return count

    def _records(self) -> Iterator[dict[str, Any]]:
        with Session(self._engine) as s:
            for row in s.scalars(select(OutboxItem).order_by(OutboxItem.seq)):
                yield {
                    "txn_id": row.txn_id,
                    "seq": row.seq,
                    "type": row.type,
                    "state": row.state.value,
                    "attempts": row.attempts,
                    "last_error": row.last_error,
                    "core_ref": row.core_ref,
                    "created_at": rfc3339(row.created_at),
                    "updated_at": rfc3339(row.updated_at),
                    "accepted_at": None if row.accepted_at is None else rfc3339(row.accepted_at),
                    "payload": json.loads(row.payload),
                }
