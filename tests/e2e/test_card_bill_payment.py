"""Bill payment by card for real: bill looked up from the reference core over HTTP, virtual
card in vpcd -> pcscd -> pyscard -> EMV read -> emulated PIN pad -> payment authorization with
the amount (the core verifies the PIN block and holds the money) -> card_payment committed and
synced (the core captures the hold and marks the bill paid) -> receipt with masked PAN and auth
code. Then the crash case: the core approved, the kiosk died before committing, and start-up
recovery's reversal releases the customer's money. Wiring copied from test_card_journey.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from core_system.cards import CardIssuer
from core_system.server import CoreServer
from core_system.store import Store
from drivers.card_reader.pcsc import PcscCardReader
from drivers.card_reader.pcscd_runner import PrivatePcscd
from drivers.card_reader.virtual_card.card import VirtualCard
from drivers.card_reader.virtual_card.profile import load_profile
from drivers.card_reader.virtual_card.vpcd_link import VpcdLink
from drivers.pinpad.base import PinFormat
from drivers.pinpad.emulated import EmulatedPinPad, PinKey
from drivers.printer.base import PaperStatus, PrintResult
from drivers.printer.document import Document
from kiosk.card.handling import CardHandler
from kiosk.card.payment_service import CardPaymentCoreService
from kiosk.card.services import CardCoreHttp, PcscCardService
from kiosk.clock import SystemClock
from kiosk.events import EventBus, Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.bill_payment import BillPaymentJourney
from kiosk.journeys.bill_payment_states import State
from kiosk.journeys.card_ports import AuthorizeDone
from kiosk.journeys.ports import PrintFinished
from kiosk.money.ledger import Ledger
from kiosk.money.recovery import recover
from kiosk.runtime.adapters import CoreBillLookup, SyncAdapter
from kiosk.runtime.config import TimeoutConfig
from kiosk.runtime.core_client import CoreClient
from kiosk.runtime.worker import Worker
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker
from tests.e2e.card_env import pcscd  # noqa: F401 - the module-scoped fixture

PIN = "739164"  # distinctive, so a scan for it cannot match a timestamp by chance
PIN_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
PAN = "6228480012345678903"  # the unionpay_debit profile
BILL_ID_AMOUNT = Decimal("125.50")  # SGCC 1234567890, seeded by the reference core


class StubFeeder:
    """No cash in these tests: the acceptor is there but never used."""

    def enable(self) -> None: ...
    def disable(self) -> None: ...
    def accept_escrow(self) -> None: ...
    def reject_escrow(self) -> None: ...
    def denominations_minor(self) -> tuple[int, ...]:
        return (10000,)

    def available(self) -> bool:
        return True


@dataclass
class InstantPrinter:
    """Confirms every job at once through the bus (the printer is not what is tested here)."""

    bus: EventBus
    jobs: list[tuple[str, Document]] = field(default_factory=list)

    def submit(self, job_id: str, document: Document) -> None:
        self.jobs.append((job_id, document))
        self.bus.publish(PrintFinished(job_id, PrintResult(True, PaperStatus.READY)))

    def last_status(self) -> PaperStatus:
        return PaperStatus.READY

    def refresh_status(self) -> None:
        pass


class Kiosk:
    def __init__(self, tmp_path: Path, daemon: PrivatePcscd, url: str) -> None:
        self.clock = SystemClock()
        self.bus = EventBus()
        self.db_path = tmp_path / "kiosk.db"
        engine = make_engine(f"sqlite:///{self.db_path}")
        self.outbox = Outbox(engine, "kiosk-1", self.clock)
        self.outbox.create_schema()
        self.ledger = Ledger(engine, self.outbox, self.clock)
        self.ledger.create_schema()
        self.reader = PcscCardReader("card", "Virtual PCD 00 00", self.bus.publish, wait_ms=200)
        self.workers = [Worker("core-cards"), Worker("network")]
        card_http = CardCoreHttp(url, "kiosk-1", "secret-token")
        core = CardPaymentCoreService(card_http, self.workers[0], self.bus.publish)
        self.service = PcscCardService(self.reader, self.bus.publish, self.clock)
        pad = EmulatedPinPad("pinpad", PinKey(PIN_KEY, PinFormat.ISO0), self.bus.publish)
        self.lookup = CoreBillLookup(
            CoreClient(CoreHttp(url, "kiosk-1", "secret-token")),
            self.bus,
            self.workers[1],
            self.clock,
        )
        self.sync = SyncWorker(
            self.outbox, CoreHttp(url, "kiosk-1", "secret-token"), self.clock, self.bus.publish
        )
        self.printer = InstantPrinter(self.bus)
        self.journey = BillPaymentJourney(
            kiosk_id="kiosk-1",
            currency="CNY",
            default_language="zh_CN",
            catalog=load_catalog(),
            clock=self.clock,
            timeouts=TimeoutConfig(),
            ledger=self.ledger,
            lookup=self.lookup,
            cash=StubFeeder(),
            printer=self.printer,
            sync=SyncAdapter(self.sync),
            card_reader=self.service,
            pinpad=pad,
            card_core=core,
            card_handler=CardHandler(self.service, self.ledger, self.clock, take_timeout=30),
        )
        self.screens: list[object] = []
        self.daemon = daemon
        self.reader.start()
        for worker in self.workers:
            worker.start()
        self.sync.start()
        assert self.lookup.refresh_billers()

    def press(self, *keys: str | Key) -> None:
        for key in keys:
            self.journey.handle(KeyPressed(Key(key) if isinstance(key, str) else key))
            self.screens.append(self.journey.screen())

    def run_until(self, *states: State, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.journey.state not in states:
            assert time.monotonic() < deadline, f"stuck in {self.journey.state}"
            event = self.bus.get(timeout=0.1)
            if event is not None:
                self.journey.handle(event)
                self.screens.append(self.journey.screen())
            self.journey.tick()

    def wait_online(self) -> None:
        deadline = time.monotonic() + 10
        while not self.service.available():
            assert time.monotonic() < deadline
            time.sleep(0.02)

    def to_card_pin(self, profile: str = "unionpay_debit", lang: str = "2") -> VpcdLink:
        self.press(Key.ENTER, lang, "1", *"1234567890", Key.ENTER)  # language, SGCC, account
        self.run_until(State.BILL_DETAILS)
        self.press(Key.D2)
        assert self.journey.state is State.CARD_INSERT
        link = VpcdLink(VirtualCard(load_profile(profile)), self.daemon.port)
        link.insert()
        self.run_until(State.CARD_PIN, State.CARD_CHOOSE_APP)
        return link

    def type_pin(self, digits: str) -> None:
        self.press(*digits, Key.ENTER)

    def remove(self, link: VpcdLink) -> None:
        link.remove()
        deadline = time.monotonic() + 10
        while self.reader.card_present:
            assert time.monotonic() < deadline
            time.sleep(0.02)

    def stop(self) -> None:
        self.sync.stop()
        self.reader.stop()
        for worker in self.workers:
            worker.stop()


@pytest.fixture
def rig(
    tmp_path: Path,
    pcscd: PrivatePcscd,  # noqa: F811
) -> Iterator[tuple[Kiosk, CardIssuer, Store]]:
    clock = SystemClock()
    issuer = CardIssuer(clock, pin_keys={"kiosk-1": ("iso0", PIN_KEY)}, auto_enrol=False)
    issuer.enrol(PAN, PIN, "1000.00")
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "secret-token"}, clock=clock, cards=issuer)
    url = server.start()
    kiosk = Kiosk(tmp_path, pcscd, url)
    kiosk.wait_online()
    try:
        yield kiosk, issuer, store
    finally:
        kiosk.stop()
        server.stop()
        store.close()


def test_bill_paid_by_card_end_to_end_with_no_pin_anywhere(
    rig: tuple[Kiosk, CardIssuer, Store], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    kiosk, issuer, store = rig
    link = kiosk.to_card_pin()
    try:
        kiosk.type_pin("111111")  # wrong first: the core counts it
        kiosk.run_until(State.CARD_AUTHORIZING)
        kiosk.run_until(State.CARD_PIN)
        assert kiosk.journey.screen().message == "Wrong PIN. Tries left: 2"
        kiosk.type_pin(PIN)
        kiosk.run_until(State.CARD_TAKE)
        assert kiosk.journey.card_pay is not None and kiosk.journey.card_pay.approved
        txn_id = kiosk.journey.session.txn_id
        assert issuer.balance(PAN) == Decimal("1000.00") - BILL_ID_AMOUNT  # held
    finally:
        kiosk.remove(link)
    kiosk.run_until(State.THANK_YOU)
    assert kiosk.journey.session.synced
    assert issuer.hold_state(txn_id) == "captured"
    assert store.bill_status("B-SGCC-2026-10-0001") == "paid"  # the core paid the bill
    invoice = store.invoice("kiosk-1", int(kiosk.journey.session.reference.split("-")[-1]))
    assert invoice is not None and invoice["type"] == "card_payment"
    assert invoice["tender"]["auth_code"] == kiosk.journey.card_pay.auth_code
    ((_, receipt),) = kiosk.printer.jobs
    printed = repr(receipt.blocks)
    assert PAN[-4:] in printed and kiosk.journey.card_pay.auth_code in printed
    assert PAN not in printed

    # The scan: logs, journal, the queue database file, every screen model.
    assert PIN not in caplog.text
    for record in kiosk.ledger.records():
        assert PIN not in repr(record.data) and PAN not in repr(record.data)
    raw = kiosk.db_path.read_bytes()
    assert PIN.encode() not in raw and PAN.encode() not in raw
    for model in kiosk.screens:
        assert all(PIN not in text for text in model.visible_texts())  # type: ignore[attr-defined]


def test_approved_but_not_committed_is_reversed_by_recovery(
    rig: tuple[Kiosk, CardIssuer, Store],
) -> None:
    kiosk, issuer, _ = rig
    link = kiosk.to_card_pin()
    try:
        kiosk.type_pin(PIN)
        kiosk.run_until(State.CARD_AUTHORIZING)
        txn_id = kiosk.journey.session.txn_id
        # The core approves and holds the money; the kiosk "dies" before it sees the answer.
        deadline, answer = time.monotonic() + 10, None
        while answer is None:
            assert time.monotonic() < deadline
            event = kiosk.bus.get(timeout=0.1)
            answer = event if isinstance(event, AuthorizeDone) else None
        assert answer.result.approved
        assert issuer.hold_state(txn_id) == "held"
        assert issuer.balance(PAN) == Decimal("1000.00") - BILL_ID_AMOUNT
    finally:
        kiosk.remove(link)
    # Start-up: recovery queues one reversal; the queue delivers it; the hold is released.
    report = recover(kiosk.ledger)
    assert report.reversed == [txn_id]
    assert recover(kiosk.ledger).reversed == []
    kiosk.sync.sync_once(force=True)
    assert issuer.hold_state(txn_id) == "reversed"
    assert issuer.balance(PAN) == Decimal("1000.00")


def test_two_application_card_choice_and_a_translated_decline(
    rig: tuple[Kiosk, CardIssuer, Store],
) -> None:
    kiosk, issuer, store = rig
    credit_pan = "6258000011112222331"  # the second application of two_apps
    issuer.enrol(credit_pan, PIN, "100.00")  # less than the 125.50 bill
    link = kiosk.to_card_pin("two_apps", lang="1")  # 中文
    try:
        assert kiosk.journey.state is State.CARD_CHOOSE_APP
        labels = [c.label for c in kiosk.journey.screen().choices]
        assert labels == ["UnionPay Debit", "UnionPay Credit"]
        kiosk.press("2")
        kiosk.run_until(State.CARD_PIN)
        kiosk.type_pin(PIN)
        kiosk.run_until(State.CARD_TAKE)
        assert kiosk.journey.screen().message.startswith("账户余额不足")
    finally:
        kiosk.remove(link)
    kiosk.run_until(State.BILL_DETAILS)
    assert issuer.balance(credit_pan) == Decimal("100.00")  # nothing held
    assert kiosk.outbox.status().pending == 0 and store.bill_status("B-SGCC-2026-10-0001") == "open"
