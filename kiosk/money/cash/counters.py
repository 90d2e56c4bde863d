"""Cashbox counters per denomination, derived from the journal so they cannot drift from it.

The journal already holds every note stacked (`note_stacked`, `note_stacked_unassigned`) and
every cashbox exchange (`cashbox_exchange`, journaled by the technician service when the box is
swapped), so the count since the last exchange IS the cashbox content as the kiosk booked it:
it survives restarts for free and "reconciled with the journal" holds by construction. What
the device says (its own counters, read at start-up) is compared in kiosk.money.cash.reconcile.

Reading that count is asked on the UI thread (is cash available? is the cashbox full?), so it is
kept, not recounted (issue 18): SQLite triggers on journal INSERT add one to `cashbox_counts`
(box, the entry's raw `value` and `amount` JSON) for each note or coin journaled, and empty it on
a `cashbox_exchange`, inside the transaction that journals the entry, so the count cannot drift
from the journal. `cashbox_counts_sql` reads those few rows (one per denomination) and applies
the same denomination rule as the journal walk. `install` recounts from the journal at start-up
(Ledger.create_schema); `check_counters` compares with a fresh count.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kiosk.money.amount import Money
from kiosk.money.cash.counter_table import (
    _READ,
    COIN_KINDS,
    EXCHANGE_KIND,
    STACKED_KINDS,
)
from kiosk.money.journal import JournalEntry, JournalRecord
from kiosk.money.ledger import Ledger
from offline_queue.db import CachedReads, sqlite_file


class CashboxLevel(str, Enum):
    OK = "ok"
    NEAR_FULL = "near_full"  # tell the technician; still in service
    FULL = "full"  # out of service for cash before the device jams on a full stacker


@dataclass(frozen=True)
class CashboxCounts:
    currency: str
    notes: dict[str, int]  # denomination (decimal string, as on the wire) -> notes
    capacity: int
    near_full: int
    coins: dict[str, int] = field(default_factory=dict)  # coin box: denomination -> coins

    @property
    def count(self) -> int:
        return sum(self.notes.values())

    @property
    def total(self) -> Money:
        minor = sum(Money.parse(v, self.currency).minor * n for v, n in self.notes.items())
        return Money.from_minor(minor, self.currency)

    @property
    def level(self) -> CashboxLevel:
        if self.count >= self.capacity:
            return CashboxLevel.FULL
        return CashboxLevel.NEAR_FULL if self.count >= self.near_full else CashboxLevel.OK

    @property
    def coin_total(self) -> Money:
        minor = sum(Money.parse(v, self.currency).minor * n for v, n in self.coins.items())
        return Money.from_minor(minor, self.currency)

    def supplies(self) -> dict[str, str]:
        """For health/telemetry: level, count and capacity, and per denomination."""
        out = {"cashbox": self.level.value, "cashbox_notes": f"{self.count}/{self.capacity}"}
        out.update({f"cashbox_{value}": str(n) for value, n in sorted(self.notes.items())})
        if self.coins:
            out["coinbox_coins"] = str(sum(self.coins.values()))
            out.update({f"coinbox_{value}": str(n) for value, n in sorted(self.coins.items())})
        return out


def count_notes(
    records: list[JournalRecord], currency: str, kinds: tuple[str, ...] = STACKED_KINDS
) -> dict[str, int]:
    notes: Counter[str] = Counter()
    for record in records:
        if record.kind == EXCHANGE_KIND:
            notes.clear()
        elif record.kind in kinds:
            notes[_denomination(record, currency)] += 1
    return dict(notes)


def cashbox_counts(
    ledger: Ledger, currency: str, *, capacity: int = 1000, near_full: int = 900
) -> CashboxCounts:
    records = ledger.records()
    coins = count_notes(records, currency, COIN_KINDS)
    return CashboxCounts(currency, count_notes(records, currency), capacity, near_full, coins)


def cashbox_counts_sql(
    engine: Engine, currency: str, *, capacity: int = 1000, near_full: int = 900
) -> CashboxCounts:
    """The same count, read from the kept counters (one row per denomination), or from the
    journal since the last exchange where they are not installed."""
    kept = _kept(engine, currency)
    if kept is None:
        kept = _scanned(engine, currency)
    notes, coins = kept
    return CashboxCounts(currency, notes, capacity, near_full, coins)


def check_counters(engine: Engine, currency: str) -> bool:
    """True when the kept counters equal a fresh count from the journal (or none are kept)."""
    kept = _kept(engine, currency)
    return kept is None or kept == _scanned(engine, currency)


_READERS: weakref.WeakKeyDictionary[Engine, CachedReads] = weakref.WeakKeyDictionary()
_READERS_LOCK = threading.Lock()


def _reader(engine: Engine) -> CachedReads | None:
    path = sqlite_file(engine)
    if path is None:
        return None
    with _READERS_LOCK:
        reader = _READERS.get(engine)
        if reader is None:
            reader = _READERS[engine] = CachedReads(path)
        return reader


def _kept(engine: Engine, currency: str) -> tuple[dict[str, int], dict[str, int]] | None:
    if engine.dialect.name != "sqlite":
        return None

    def read(cur: Any) -> tuple[dict[str, int], dict[str, int]]:
        boxes: dict[str, Counter[str]] = {"notes": Counter(), "coins": Counter()}
        for box, value, amount, n in cur.execute(_READ).fetchall():
            data = {"value": json.loads(value), "amount": json.loads(amount)}
            boxes[box][_denomination_of(data, currency)] += int(n)
        return (
            {k: n for k, n in boxes["notes"].items() if n},
            {k: n for k, n in boxes["coins"].items() if n},
        )

    reader = _reader(engine)
    try:
        if reader is not None:  # answered from memory while the journal has not changed
            notes, coins = reader.read(f"cashbox:{currency}", read)
        else:  # a raw autocommit read: no BEGIN IMMEDIATE, never behind a writer
            raw = engine.raw_connection()
            try:
                cur = raw.cursor()
                try:
                    notes, coins = read(cur)
                finally:
                    cur.close()
            finally:
                raw.close()
    except Exception as exc:  # a journal made before the counters: count it instead
        if "no such table" in str(exc):
            return None
        raise
    return dict(notes), dict(coins)  # copies: the remembered answer stays as read


def _scanned(engine: Engine, currency: str) -> tuple[dict[str, int], dict[str, int]]:
    """The journal walk since the last exchange (one indexed query, JSON per note)."""
    with Session(engine) as session:
        last_exchange = session.execute(
            select(func.max(JournalEntry.id)).where(JournalEntry.kind == EXCHANGE_KIND)
        ).scalar_one_or_none()
        rows = session.execute(
            select(JournalEntry.kind, JournalEntry.data)
            .where(JournalEntry.kind.in_(STACKED_KINDS + COIN_KINDS))
            .where(JournalEntry.id > (last_exchange or 0))
        ).all()
        notes: Counter[str] = Counter()
        coins: Counter[str] = Counter()
        for kind, data in rows:
            box = coins if kind in COIN_KINDS else notes
            box[_denomination_of(json.loads(data), currency)] += 1
    return dict(notes), dict(coins)


def record_exchange(ledger: Ledger, currency: str, technician: str) -> CashboxCounts:
    """The technician swapped the cashbox: what was in it is journaled, counts restart at 0."""
    before = cashbox_counts(ledger, currency)
    ledger.record(
        "cashbox",
        EXCHANGE_KIND,
        {
            "technician": technician,
            "removed": before.notes,
            "total": before.total.wire(),
            "coins_removed": before.coins,
        },
    )
    return before


def _denomination(record: JournalRecord, currency: str) -> str:
    return _denomination_of(record.data, currency)


def _denomination_of(data: dict, currency: str) -> str:  # type: ignore[type-arg]
    value = data.get("value") or data.get("amount")
    if isinstance(value, dict):
        return str(Money.parse(value["amount"], value["currency"]).amount)
    return "?"
