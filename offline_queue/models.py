"""Tables of the kiosk's durable outbox; they live in the same SQLite file as the journal.

The outbox has its own DeclarativeBase so it can be created next to the journal's tables without
either package knowing the other's models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Enum, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class QueueBase(DeclarativeBase):
    pass


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting to be sent (maybe backing off until next_attempt_at)
    IN_FLIGHT = "in_flight"  # handed to the core; outcome unknown until the reply
    ACCEPTED = "accepted"  # the core holds it (accepted or duplicate)
    DEAD = "dead"  # rejected for good; a person must look at it


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (SQLite has no time zones) and hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the outbox stores UTC-aware times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class OutboxItem(QueueBase):
    """One core transaction to deliver; `payload` is the exact CORE_API transaction object."""

    __tablename__ = "outbox_items"
    __table_args__ = (Index("ix_outbox_state_seq", "state", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    txn_id: Mapped[str] = mapped_column(String(36), unique=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[OutboxState] = mapped_column(
        Enum(
            OutboxState,
            native_enum=False,
            length=16,
            values_callable=lambda states: [s.value for s in states],
        ),
        default=OutboxState.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    core_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SeqCounter(QueueBase):
    """The kiosk's gap-free transaction counter; bumped in the same DB transaction as the item."""

    __tablename__ = "outbox_seq"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
