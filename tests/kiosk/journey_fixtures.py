"""A bill-payment journey wired to a real ledger (SQLite file) and recording device fakes.

The fakes stand in for device I/O threads only: they record what the journey told the device and
what was already durable at that moment, so tests can prove journal-before-act ordering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from drivers.cash.base import NoteCredited, NoteInEscrow
from drivers.printer.base import PaperStatus, PrintResult
from drivers.printer.document import Document
from kiosk.clock import FakeClock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.bill_payment import BillPaymentJourney
from kiosk.journeys.ports import BillsFetched, PrintFinished
from kiosk.money.amount import Money
from kiosk.money.billing import Bill, Biller
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox


def cny(amount: str) -> Money:
    return Money(Decimal(amount), "CNY")


ELECTRICITY = Biller(
    code="SGCC",
    name_zh="国家电网",
    name_en="State Grid Electricity",
    account_pattern=r"^[0-9]{10}$",
    min_amount=cny("1.00"),
    max_amount=cny("5000.00"),
    partial_allowed=False,
    offline_allowed=True,
    offline_limit=cny("500.00"),
)
BILL = Bill(
    bill_id="B-2026-10-0001",
    biller="SGCC",
    account="1234567890",
    holder="张*明",
    period="2026-10",
    amount_due=cny("125.50"),
    due_date=date(2026, 11, 30),
)


@dataclass
class FakeLookup:
    listed: tuple[Biller, ...] = (ELECTRICITY,)
    requests: list[tuple[str, str, str]] = field(default_factory=list)

    def billers(self) -> tuple[Biller, ...]:
        return self.listed

    def request_bills(self, request_id: str, biller: str, account: str) -> None:
        self.requests.append((request_id, biller, account))


@dataclass
class FakeCash:
    ledger: Ledger
    calls: list[tuple[str, int]] = field(default_factory=list)
    online: bool = True

    def _call(self, name: str) -> None:
        # Remember how many journal records were durable when the device was told to act.
        self.calls.append((name, len(self.ledger.records())))

    def enable(self) -> None:
        self._call("enable")

    def disable(self) -> None:
        self._call("disable")

    def accept_escrow(self) -> None:
        self._call("accept_escrow")

    def reject_escrow(self) -> None:
        self._call("reject_escrow")

    def denominations_minor(self) -> tuple[int, ...]:
        return (100, 500, 1000, 2000, 5000, 10000)

    def available(self) -> bool:
        return self.online

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@dataclass
class FakePrinter:
    outbox: Outbox
    jobs: list[tuple[str, Document, int]] = field(default_factory=list)

    def submit(self, job_id: str, document: Document) -> None:
        self.jobs.append((job_id, document, self.outbox.status().pending))

    status: PaperStatus = PaperStatus.READY
    refreshes: int = 0

    def last_status(self) -> PaperStatus:
        return self.status

    def refresh_status(self) -> None:
        self.refreshes += 1


@dataclass
class FakeSync:
    wakes: int = 0

    def wake(self) -> None:
        self.wakes += 1


@dataclass
class Rig:
    journey: BillPaymentJourney
    clock: FakeClock
    ledger: Ledger
    outbox: Outbox
    lookup: FakeLookup
    cash: FakeCash
    printer: FakePrinter
    sync: FakeSync

    def press(self, *keys: Key | str) -> None:
        for key in keys:
            self.journey.handle(KeyPressed(Key(key) if isinstance(key, str) else key))

    def type_digits(self, digits: str) -> None:
        self.press(*[Key(d) for d in digits])

    def note(self, value_major: int) -> None:
        """A customer inserts a note that the acceptor validates, escrows and stacks."""
        minor = value_major * 100
        self.journey.handle(NoteInEscrow("cash", 1, minor, "CNY"))
        self.journey.handle(NoteCredited("cash", 1, minor, "CNY"))

    def to_insert_cash(self, lang_key: str = "2") -> None:
        self.press(Key.ENTER, lang_key, "1")
        self.type_digits("1234567890")
        self.press(Key.ENTER)
        request_id = self.lookup.requests[-1][0]
        self.journey.handle(BillsFetched(request_id, (BILL,)))
        self.press(Key.ENTER)

    def finish_print(self, printed: bool = True) -> None:
        job_id = self.printer.jobs[-1][0]
        status = PaperStatus.READY if printed else PaperStatus.PAPER_OUT
        self.journey.handle(PrintFinished(job_id, PrintResult(printed, status)))

    def kinds(self) -> list[str]:
        return [r.kind for r in self.ledger.records()]


def make_rig(tmp_path: Path, timeouts: TimeoutConfig | None = None) -> Rig:
    clock = FakeClock()
    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    outbox = Outbox(engine, "kiosk-test", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock)
    ledger.create_schema()
    lookup, cash, printer, sync = FakeLookup(), FakeCash(ledger), FakePrinter(outbox), FakeSync()
    journey = BillPaymentJourney(
        kiosk_id="kiosk-test",
        currency="CNY",
        default_language="zh_CN",
        catalog=load_catalog(),
        clock=clock,
        timeouts=timeouts or TimeoutConfig(),
        ledger=ledger,
        lookup=lookup,
        cash=cash,
        printer=printer,
        sync=sync,
    )
    return Rig(journey, clock, ledger, outbox, lookup, cash, printer, sync)
