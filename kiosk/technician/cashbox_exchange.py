"""Cashbox exchange: what the kiosk booked, what the technician counted, one committed record.

A small state machine inside maintenance mode:

    REVIEW --1 confirm--> PRINTING --PrintFinished--> DONE --Enter/Cancel--> CLOSED
    REVIEW --2 count--> COUNT (one denomination at a time) --> REVIEW (counted values shown)
    REVIEW --Cancel--> CLOSED (nothing changed, audited)

The expected counts come from the journal counters (kiosk/money/cash/counters.py), which are the
cashbox content as booked. On confirmation a difference is journaled first (`cashbox_discrepancy`),
then ONE ledger transaction journals `cashbox_exchange` (which restarts the counters at zero) and
queues the `cashbox_exchange` core transaction with the counted notes; then the settlement
report goes to the printer and the sync worker is woken.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import Enum
from zoneinfo import ZoneInfo

from kiosk.clock import Clock
from kiosk.documents.common import DocContext
from kiosk.documents.settlement import SettlementData, SettlementLine, settlement_report
from kiosk.events import Key
from kiosk.i18n import Catalog
from kiosk.journeys.ports import PrintFinished, PrintPort, SyncPort
from kiosk.money.amount import Money
from kiosk.money.cash.counters import EXCHANGE_KIND, CashboxCounts
from kiosk.money.ledger import Ledger
from kiosk.technician.audit import TechnicianAudit

MAX_COUNT_DIGITS = 5
SESSION = "cashbox"


class ExchangeState(str, Enum):
    REVIEW = "review"
    COUNT = "count"
    PRINTING = "printing"
    DONE = "done"
    CLOSED = "closed"


X = ExchangeState
TRANSITIONS: dict[ExchangeState, frozenset[ExchangeState]] = {
    X.REVIEW: frozenset({X.COUNT, X.PRINTING, X.CLOSED}),
    X.COUNT: frozenset({X.COUNT, X.REVIEW}),
    X.PRINTING: frozenset({X.DONE}),
    X.DONE: frozenset({X.CLOSED}),
    X.CLOSED: frozenset({X.REVIEW}),
}


class CashboxExchange:
    def __init__(
        self,
        *,
        kiosk_id: str,
        currency: str,
        ledger: Ledger,
        audit: TechnicianAudit,
        counts: Callable[[], CashboxCounts],
        denominations: Callable[[], tuple[Money, ...]],
        printer: PrintPort,
        sync: SyncPort,
        catalog: Catalog,
        clock: Clock,
        timezone: str = "Asia/Shanghai",
        columns: int = 48,
    ) -> None:
        self.kiosk_id = kiosk_id
        self.currency = currency
        self._ledger = ledger
        self._audit = audit
        self._counts = counts
        self._denominations = denominations
        self._printer = printer
        self._sync = sync
        self.catalog = catalog
        self.clock = clock
        self._zone = ZoneInfo(timezone)
        self._columns = columns
        self.state = ExchangeState.CLOSED
        self.who = ""
        self.lang = "zh_CN"
        self.expected: dict[str, int] = {}
        self.coins: dict[str, int] = {}
        self.counted: dict[str, int] = {}
        self.index = 0  # the denomination being counted
        self.typed = ""
        self.printed: bool | None = None
        self.settlement: SettlementData | None = None
        self._job = ""

    def _go(self, target: ExchangeState) -> None:
        if target not in TRANSITIONS[self.state]:
            raise RuntimeError(f"cashbox {self.state.value} -> {target.value} is not allowed")
        self.state = target

    @property
    def done(self) -> bool:
        return self.state is ExchangeState.CLOSED

    def denominations(self) -> tuple[str, ...]:
        """Every denomination the acceptor takes or the box holds, largest first."""
        values = {str(m.amount) for m in self._denominations()} | set(self.expected)
        return tuple(
            sorted(values, key=lambda v: Money.parse(v, self.currency).minor, reverse=True)
        )

    def begin(self, who: str, lang: str) -> None:
        self.who, self.lang = who, lang
        booked = self._counts()
        self.expected = dict(booked.notes)
        # the coin box is emptied on the same visit: its journaled coins are recorded as removed
        # (ccTalk counts every coin it keeps, so the booked count is the count)
        self.coins = dict(booked.coins)
        self.counted = {d: self.expected.get(d, 0) for d in self.denominations()}
        self.printed, self.settlement, self.typed, self.index = None, None, "", 0
        self._audit.record(who, "cashbox_exchange", "started", expected=self.expected)
        self._go(ExchangeState.REVIEW)

    def total(self, notes: dict[str, int]) -> Money:
        minor = sum(Money.parse(v, self.currency).minor * n for v, n in notes.items())
        return Money.from_minor(minor, self.currency)

    def differences(self) -> dict[str, int]:
        return {
            d: self.counted.get(d, 0) - self.expected.get(d, 0)
            for d in self.denominations()
            if self.counted.get(d, 0) != self.expected.get(d, 0)
        }

    # ------------------------------------------------------------------ events

    def handle(self, event: object) -> None:
        if isinstance(event, PrintFinished) and event.job_id == self._job:
            self._job = ""
            self.printed = event.result.printed
            self._audit.record(
                self.who, "settlement_report", "printed" if self.printed else "print_failed"
            )
            self._go(ExchangeState.DONE)

    def key(self, key: Key) -> None:
        if self.state is ExchangeState.REVIEW:
            if key is Key.D1:
                self._commit()
            elif key is Key.D2:
                self.index, self.typed = 0, ""
                self._go(ExchangeState.COUNT)
            elif key is Key.CANCEL:
                self._audit.record(self.who, "cashbox_exchange", "cancelled")
                self._go(ExchangeState.CLOSED)
        elif self.state is ExchangeState.COUNT:
            self._count_key(key)
        elif self.state is ExchangeState.DONE and key in (Key.ENTER, Key.CANCEL):
            self._go(ExchangeState.CLOSED)

    def _count_key(self, key: Key) -> None:
        if key.is_digit and len(self.typed) < MAX_COUNT_DIGITS:
            self.typed += key.value
        elif key is Key.CLEAR:
            self.typed = self.typed[:-1]
        elif key is Key.CANCEL:
            self._go(ExchangeState.REVIEW)
        elif key is Key.ENTER:
            denomination = self.denominations()[self.index]
            if self.typed:  # Enter on an empty field keeps the booked count
                self.counted[denomination] = int(self.typed)
            self.typed = ""
            self.index += 1
            if self.index >= len(self.denominations()):
                self._go(ExchangeState.REVIEW)
            else:
                self._go(ExchangeState.COUNT)

    # ------------------------------------------------------------------ commit and print

    def _commit(self) -> None:
        counted = {d: n for d, n in self.counted.items() if n}
        expected_total, counted_total = self.total(self.expected), self.total(counted)
        differences = self.differences()
        if differences:
            self._ledger.record(
                SESSION,
                "cashbox_discrepancy",
                {
                    "technician": self.who,
                    "expected": self.expected,
                    "counted": counted,
                    "differences": differences,
                    "difference_total": (counted_total - expected_total).wire(),
                },
            )
        txn_id = str(uuid.uuid4())
        seq = self._ledger.commit_money(
            SESSION,
            EXCHANGE_KIND,
            {
                "technician": self.who,
                "removed": counted,
                "expected": self.expected,
                "coins_removed": self.coins,
            },
            txn_id=txn_id,
            txn_type="cashbox_exchange",
            amount=counted_total,
            tender={"type": "cash", "notes": counted},
            details={
                "technician": self.who,
                "expected_notes": self.expected,
                "expected_total": expected_total.wire(),
                "discrepancy": bool(differences),
                "differences": differences,
                "coins_removed": self.coins,
                "coins_total": self.total(self.coins).wire(),
            },
        )
        self._sync.wake()
        self._audit.record(
            self.who,
            "cashbox_exchange",
            "committed",
            txn_id=txn_id,
            total=counted_total.wire(),
            discrepancy=bool(differences),
        )
        self.settlement = self._settlement(f"{self.kiosk_id}-{seq:06d}", txn_id)
        self._job = str(uuid.uuid4())
        self._go(ExchangeState.PRINTING)
        self._printer.submit(self._job, settlement_report(self._context(), self.settlement))

    def _settlement(self, reference: str, txn_id: str) -> SettlementData:
        def money(minor: int) -> str:
            return Money.from_minor(minor, self.currency).display()

        lines = tuple(
            SettlementLine(
                Money.parse(d, self.currency).display(),
                self.expected.get(d, 0),
                self.counted.get(d, 0),
            )
            for d in self.denominations()
        )
        expected = self.total(self.expected).minor
        counted = self.total(self.counted).minor
        return SettlementData(
            reference=reference,
            txn_id=txn_id,
            technician=self.who,
            lines=lines,
            expected_total=money(expected),
            counted_total=money(counted),
            difference_total=money(counted - expected),
            coins_total=money(self.total(self.coins).minor) if self.coins else "",
        )

    def _context(self) -> DocContext:
        when = self.clock.now().astimezone(self._zone).strftime("%Y-%m-%d %H:%M:%S")
        return DocContext(self.catalog, self.lang, self.kiosk_id, when, self._columns)
