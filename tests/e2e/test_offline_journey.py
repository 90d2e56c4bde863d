"""A cash bill payment through a core outage, with the real core, look-up adapter and cache.

The customer is told before any money is taken that the payment is offline; the receipt says
PENDING CONFIRMATION; the same bill cannot be paid twice from the cache; a biller that does not
allow offline payment stops the journey before the acceptor is enabled; once the core is back
the queued payment is delivered and pays the bill there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core_system.server import CoreServer
from core_system.store import Store
from drivers.cash.base import NoteCredited, NoteInEscrow
from drivers.printer.base import PaperStatus, PrintResult
from drivers.printer.document import Text
from kiosk.clock import FakeClock
from kiosk.events import EventBus, Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.bill_payment import BillPaymentJourney
from kiosk.journeys.bill_payment_states import State
from kiosk.journeys.ports import PrintFinished
from kiosk.money.ledger import Ledger
from kiosk.money.offline_policy import BillCache, outbox_paid_bills
from kiosk.runtime.adapters import CoreBillLookup
from kiosk.runtime.config import TimeoutConfig
from kiosk.runtime.core_client import CoreClient
from kiosk.runtime.worker import Worker
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker
from tests.kiosk.journey_fixtures import FakeCash, FakePrinter, FakeSync


class Kiosk:
    def __init__(self, tmp: Path, core_url: str) -> None:
        self.clock = FakeClock()
        self.engine = make_engine(f"sqlite:///{tmp / 'kiosk.db'}")
        self.outbox = Outbox(self.engine, "kiosk-1", self.clock)
        self.outbox.create_schema()
        self.ledger = Ledger(self.engine, self.outbox, self.clock)
        self.ledger.create_schema()
        self.bus = EventBus()
        self.network = Worker("network")
        self.network.start()
        self.http = CoreHttp(core_url, "kiosk-1", "s3cret-1", connect_timeout=0.5, read_timeout=2)
        cache = BillCache(self.clock, paid_since=outbox_paid_bills(self.engine))
        self.lookup = CoreBillLookup(
            CoreClient(self.http), self.bus, self.network, self.clock, bill_cache=cache
        )
        assert self.lookup.refresh_billers()
        self.cash, self.printer = FakeCash(self.ledger), FakePrinter(self.outbox)
        self.journey = BillPaymentJourney(
            kiosk_id="kiosk-1",
            currency="CNY",
            default_language="zh_CN",
            catalog=load_catalog(),
            clock=self.clock,
            timeouts=TimeoutConfig(),
            ledger=self.ledger,
            lookup=self.lookup,
            cash=self.cash,
            printer=self.printer,
            sync=FakeSync(),
        )

    def press(self, *keys: Key | str) -> None:
        for key in keys:
            self.journey.handle(KeyPressed(Key(key) if isinstance(key, str) else key))

    def look_up(self, biller_key: str, account: str) -> None:
        """Attract -> English -> biller -> account -> Enter, then the look-up's answer."""
        self.press(Key.ENTER, "2", biller_key, *account, Key.ENTER)
        assert self.journey.state is State.FETCHING_BILL
        event = self.bus.get(timeout=10)
        assert event is not None
        self.journey.handle(event)

    def note(self, value_major: int) -> None:
        minor = value_major * 100
        self.journey.handle(NoteInEscrow("cash", 1, minor, "CNY"))
        self.journey.handle(NoteCredited("cash", 1, minor, "CNY"))

    def close(self) -> None:
        self.network.stop()
        self.http.close()
        self.engine.dispose()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Kiosk, CoreServer, Store]]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "s3cret-1"})
    kiosk = Kiosk(tmp_path, server.start())
    yield kiosk, server, store
    kiosk.close()
    server.stop()
    store.close()


def test_cash_bill_payment_through_an_outage(site: tuple[Kiosk, CoreServer, Store]) -> None:
    kiosk, server, store = site
    port = server.port
    # Earlier, online: a customer looked the bill up and walked away.
    kiosk.look_up("1", "1234567890")
    assert kiosk.journey.state is State.BILL_DETAILS and not kiosk.journey.offline
    kiosk.press(Key.CANCEL)

    server.stop()  # the core goes away
    kiosk.look_up("1", "1234567890")
    journey = kiosk.journey
    assert journey.state is State.BILL_DETAILS and journey.offline
    screen = journey.screen()
    assert "offline payment" in screen.message and "pending confirmation" in screen.message
    assert "enable" not in kiosk.cash.names()  # told before any money can be taken

    kiosk.press(Key.ENTER)
    assert journey.state is State.INSERT_CASH
    for value in (100, 20, 10):
        kiosk.note(value)
    assert journey.state is State.CONFIRM
    kiosk.press(Key.ENTER)
    _, receipt, _ = kiosk.printer.jobs[-1]
    lines = [b.text for b in receipt.blocks if isinstance(b, Text)]
    assert lines[1] == "PENDING CONFIRMATION"
    assert any("Offline payment" in line for line in lines)
    assert receipt.source["provisional"] is True
    item = kiosk.outbox.due_batch(10, force=True)[0]
    assert item.payload["details"]["offline"] is True
    assert item.payload["amount"] == "130.00"

    # The receipt prints, the sync wait runs out (core away), the customer leaves.
    journey.handle(PrintFinished(kiosk.printer.jobs[-1][0], PrintResult(True, PaperStatus.READY)))
    kiosk.clock.advance(TimeoutConfig().sync_wait + 1)
    journey.tick()
    assert journey.state is State.THANK_YOU
    kiosk.press(Key.ENTER)
    assert journey.state is State.ATTRACT
    # Another customer with the same account: that bill is paid here already, not offered again.
    kiosk.look_up("1", "1234567890")
    assert journey.state is State.NOTICE and journey.session.message_id == "core_unreachable"

    # The core comes back on the same address: the queued payment is delivered and pays the bill.
    restarted = CoreServer(store, port=port, kiosk_tokens={"kiosk-1": "s3cret-1"})
    restarted.start()
    try:
        sync = SyncWorker(kiosk.outbox, kiosk.http, kiosk.clock, lambda e: None)
        assert sync.sync_once(force=True).accepted == 1
        assert store.bill_status("B-SGCC-2026-10-0001") == "paid"
    finally:
        restarted.stop()


def test_a_biller_without_offline_acceptance_stops_before_any_money(
    site: tuple[Kiosk, CoreServer, Store],
) -> None:
    kiosk, server, _ = site
    kiosk.look_up("3", "123456789")  # City Gas, looked up while online
    assert kiosk.journey.state is State.BILL_DETAILS
    kiosk.press(Key.CANCEL)
    server.stop()
    kiosk.look_up("3", "123456789")
    journey = kiosk.journey
    assert journey.state is State.NOTICE
    assert journey.session.message_id == "offline_biller_not_allowed"
    assert "does not accept offline payments" in journey.screen().title + journey.screen().message
    assert "enable" not in kiosk.cash.names()
    assert kiosk.outbox.status().pending == 0
    decision = [r for r in kiosk.ledger.records() if r.kind == "offline_decision"][-1]
    assert decision.data == {
        "bill_id": "B-GAS-2026-10-0001",
        "allowed": False,
        "reason": "biller_offline_not_allowed",
    }


def test_no_cached_bill_means_no_offline_payment(site: tuple[Kiosk, CoreServer, Store]) -> None:
    kiosk, server, _ = site
    server.stop()
    kiosk.look_up("1", "9876543210")  # never looked up live: nothing to trust
    assert kiosk.journey.state is State.NOTICE
    assert kiosk.journey.session.message_id == "core_unreachable"
    assert "enable" not in kiosk.cash.names()
