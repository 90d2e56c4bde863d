"""The electronic journal: an append-only record of every money step and device decision.

It lives in the same SQLite file as the outbox so that a money step and its outbox record commit
in ONE transaction (see Ledger). Each entry carries the hash of the previous one, so an edited,
deleted or reordered record breaks the chain and `verify_chain` finds it; the keyed seal
(journal_seal.py) catches a journal cut short at its end.
"""

from __future__ import annotations

import hashlib
import hmac
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


# Built once: json.dumps with non-default options makes a new encoder per call. Same output.
_MATERIAL = json.JSONEncoder(ensure_ascii=False)
_DATA = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_hash(
    prev_hash: str, at: str, session_id: str, txn_id: str | None, kind: str, data: str
) -> str:
    material = _MATERIAL.encode([prev_hash, at, session_id, txn_id, kind, data])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    at: datetime,
    session_id: str,
    kind: str,
    data: dict[str, Any],
    txn_id: str | None = None,
    seal_key: bytes | None = None,
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
    if seal_key is not None:
        _update_seal(session, seal_key, entry.hash)
    return entry


# -- the fast path (Ledger's own connection): plain DB-API statements, the head kept in memory --

_INSERT_SQL = (
    "INSERT INTO journal (at, session_id, txn_id, kind, data, prev_hash, hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_SEAL_SQL = (
    "INSERT INTO journal_seal (id, count, head, mac) VALUES (1, ?, ?, ?)"
    " ON CONFLICT (id) DO UPDATE SET count = excluded.count, head = excluded.head,"
    " mac = excluded.mac"
)


@dataclass(frozen=True)
class Head:
    """The chain's last link and the seal's count, as a writer keeps them between appends."""

    id: int
    hash: str
    seal_count: int | None  # None: no seal row yet


class HeadMismatch(RuntimeError):
    """The journal's last entry does not hash to what it says: refuse to chain onto it."""


def read_head(cursor: Any) -> Head:
    """The head from the database (a DB-API cursor): the last entry, checked against its own
    hash, and the seal's count. Done when a writer starts and after another connection wrote."""
    row = cursor.execute(
        "SELECT id, at, session_id, txn_id, kind, data, prev_hash, hash FROM journal"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    seal = cursor.execute("SELECT count FROM journal_seal WHERE id = 1").fetchone()
    seal_count = None if seal is None else int(seal[0])
    if row is None:
        return Head(0, GENESIS_HASH, seal_count)
    entry_id, at, session_id, txn_id, kind, data, prev_hash, own = row
    if entry_hash(prev_hash, at, session_id, txn_id, kind, data) != own:
        raise HeadMismatch(f"journal entry {entry_id} does not match its hash")
    return Head(int(entry_id), str(own), seal_count)


def append_fast(
    cursor: Any,
    head: Head,
    *,
    at: datetime,
    session_id: str,
    kind: str,
    data: dict[str, Any],
    txn_id: str | None = None,
    seal_key: bytes | None = None,
) -> Head:
    """`append` on a DB-API cursor inside the caller's transaction, chained onto `head`
    (the hash, the row and the seal are exactly append's); returns the new head."""
    payload = _DATA.encode(data)
    stamp = at.isoformat()
    digest = entry_hash(head.hash, stamp, session_id, txn_id, kind, payload)
    cursor.execute(_INSERT_SQL, (stamp, session_id, txn_id, kind, payload, head.hash, digest))
    seal_count = head.seal_count
    if seal_key is not None:
        seal_count = 1 if seal_count is None else seal_count + 1
        cursor.execute(_SEAL_SQL, (seal_count, digest, seal_mac(seal_key, seal_count, digest)))
    return Head(int(cursor.lastrowid), digest, seal_count)


def to_record(entry: JournalEntry) -> JournalRecord:
    return JournalRecord(
        id=entry.id,
        at=datetime.fromisoformat(entry.at),
        session_id=entry.session_id,
        txn_id=entry.txn_id,
        kind=entry.kind,
        data=json.loads(entry.data),
    )


class JournalSeal(JournalBase):
    """A keyed MAC over (record count, head hash), updated in the same transaction as each
    record. The chain alone cannot show a journal cut short at its end (what remains still
    chains); the seal can, and rewriting it to match needs the key (from the environment)."""

    __tablename__ = "journal_seal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    count: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


def seal_mac(key: bytes, count: int, head: str) -> str:
    return hmac.new(key, f"{count}:{head}".encode(), hashlib.sha256).hexdigest()


def _update_seal(session: Session, key: bytes, head: str) -> None:
    seal = session.get(JournalSeal, 1)
    count = 1 if seal is None else seal.count + 1
    mac = seal_mac(key, count, head)
    if seal is None:
        session.add(JournalSeal(id=1, count=count, head=head, mac=mac))
    else:
        seal.count, seal.head, seal.mac = count, head, mac


@dataclass(frozen=True)
class ChainReport:
    """`problem` is "" when intact, else edited / deleted / reordered / truncated / seal_*."""

    records: int
    problem: str = ""
    at_id: int | None = None

    @property
    def intact(self) -> bool:
        return not self.problem


def _own_hash(entry: JournalEntry) -> str:
    return entry_hash(
        entry.prev_hash, entry.at, entry.session_id, entry.txn_id, entry.kind, entry.data
    )


def verify_chain(session: Session) -> int | None:
    """Returns the id of the first entry whose chain link is broken, or None when intact."""
    return check_chain(session).at_id


def check_chain(session: Session, seal_key: bytes | None = None) -> ChainReport:
    """Walks the chain from the genesis and names the first thing wrong with it."""
    prev, prev_id, count = GENESIS_HASH, 0, 0
    for entry in session.execute(select(JournalEntry).order_by(JournalEntry.id)).scalars():
        if entry.hash != _own_hash(entry):
            return ChainReport(count, "edited", entry.id)
        if entry.prev_hash != prev:
            problem = "deleted" if entry.id != prev_id + 1 else "reordered"
            return ChainReport(count, problem, entry.id)
        prev, prev_id, count = entry.hash, entry.id, count + 1
    if seal_key is None:
        return ChainReport(count)
    seal = session.get(JournalSeal, 1)
    if seal is None:
        return ChainReport(count, "seal_missing" if count else "")
    if not hmac.compare_digest(seal.mac, seal_mac(seal_key, seal.count, seal.head)):
        return ChainReport(count, "seal_forged")
    if seal.count != count or seal.head != prev:
        return ChainReport(count, "truncated", prev_id or None)
    return ChainReport(count)
