"""The core's request log: one row per transaction item the store answered for, never deduplicated.

Why it exists: the kill tests must be able to *see* a payment booked twice. The `transactions`
table cannot show that - its UNIQUE constraint on `txn_id` is the very mechanism under test - so
counting its rows proves nothing. This table has no unique constraint at all: every item the
store books as new is logged `accepted`, every re-send it recognises is logged `duplicate`, in
the same database transaction as the booking (so a core killed right after its commit cannot
have booked without logging, nor logged without booking). "Booked twice" is then simply a
`txn_id` with more than one `accepted` row.

Optional and off by default (`Store(url, request_log=True)`): production keeps one insert per
item less; the kill benchmark and its CI test switch it on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, Index, Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from core_system.validation import ValidTxn

ACCEPTED = "accepted"
DUPLICATE = "duplicate"


class RequestLogBase(DeclarativeBase):
    """Its own metadata: the log is created only where it is switched on."""


class RequestLogRow(RequestLogBase):
    __tablename__ = "request_log"
    # Deliberately not unique: a second `accepted` row for one txn_id is what the log is for.
    __table_args__ = (Index("ix_request_log_kiosk_txn", "kiosk_id", "txn_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    txn_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))  # accepted | duplicate
    amount: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    content_hash: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class LoggedItem:
    """One row of the log, detached from the database."""

    txn_id: str
    seq: int
    status: str
    amount: str
    currency: str


def create_schema(engine: Engine) -> None:
    RequestLogBase.metadata.create_all(engine)


def append(session: Session, txn: ValidTxn, status: str, received_at: datetime) -> None:
    """Adds one row inside the caller's (the booking's) transaction; the caller commits."""
    session.add(
        RequestLogRow(
            received_at=received_at.astimezone(UTC).replace(tzinfo=None),
            kiosk_id=txn.kiosk_id,
            txn_id=txn.txn_id,
            seq=txn.seq,
            status=status,
            amount=str(txn.amount.amount),
            currency=txn.amount.currency,
            content_hash=txn.content_hash,
        )
    )


def read(engine: Engine, kiosk_id: str) -> list[LoggedItem]:
    """Everything logged for one kiosk, in the order the core answered."""
    with Session(engine) as s:
        rows = s.scalars(
            select(RequestLogRow)
            .where(RequestLogRow.kiosk_id == kiosk_id)
            .order_by(RequestLogRow.id)
        )
        return [LoggedItem(r.txn_id, r.seq, r.status, r.amount, r.currency) for r in rows]
