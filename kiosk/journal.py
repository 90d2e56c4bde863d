"""The electronic journal: an append-only record of every money step and device decision.

It lives in the same SQLite file as the outbox so that a money step and its outbox record commit
in ONE transaction (see Ledger). Each entry carries the hash of the previous one, so an edited,
deleted or reordered record breaks the chain and `verify_chain` finds it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

GENESIS_HASH = "0" * 64


class JournalBase(DeclarativeBase):
    pass


class JournalEntry(JournalBase):
    __tablename__ = "journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Stored as RFC 3339 text: SQLite drops time zones from DATETIME, which would break the hash.
    at: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    txn_id: Mapped[str | None] = mapped_column(String(36), index=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class JournalRecord:
    id: int
    at: datetime
    session_id: str
    txn_id: str | None
    kind: str
    data: dict[str, Any]


def entry_hash(
    prev_hash: str, at: str, session_id: str, txn_id: str | None, kind: str, data: str
) -> str:
    material = json.dumps([prev_hash, at, session_id, txn_id, kind, data], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    at: datetime,
    session_id: str,
    kind: str,
    data: dict[str, Any],
    txn_id: str | None = None,
) -> JournalEntry:
    """Adds one entry inside the caller's transaction (the caller commits)."""
    last = session.execute(
        select(JournalEntry.hash).order_by(JournalEntry.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev = last or GENESIS_HASH
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    stamp = at.isoformat()
    entry = JournalEntry(
        at=stamp,
        session_id=session_id,
        txn_id=txn_id,
        kind=kind,
        data=payload,
        prev_hash=prev,
        hash=entry_hash(prev, stamp, session_id, txn_id, kind, payload),
    )
    session.add(entry)
    session.flush()
    return entry


def to_record(entry: JournalEntry) -> JournalRecord:
    return JournalRecord(
        id=entry.id,
        at=datetime.fromisoformat(entry.at),
        session_id=entry.session_id,
        txn_id=entry.txn_id,
        kind=entry.kind,
        data=json.loads(entry.data),
    )


def verify_chain(session: Session) -> int | None:
    """Returns the id of the first entry whose chain link is broken, or None when intact."""
    prev = GENESIS_HASH
    for entry in session.execute(select(JournalEntry).order_by(JournalEntry.id)).scalars():
        expected = entry_hash(
            prev, entry.at, entry.session_id, entry.txn_id, entry.kind, entry.data
        )
        if entry.prev_hash != prev or entry.hash != expected:
            return entry.id
        prev = entry.hash
    return None
