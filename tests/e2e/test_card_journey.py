"""The whole card path for real: virtual card in vpcd -> pcscd -> pyscard driver -> EMV read ->
emulated PIN pad -> reference core over HTTP (PIN block verified with the kiosk's key) ->
balance / statement; then a scan proves no clear PIN reached logs, journal, queue or screens."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
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
from drivers.printer.base import PaperStatus
from drivers.printer.document import Document
from kiosk.card.handling import CardHandler
from kiosk.card.services import CardCoreHttp, CardCoreService, PcscCardService
from kiosk.clock import SystemClock
from kiosk.events import EventBus, Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.card_journey import CardJourney, Purpose, State
from kiosk.journeys.card_services_menu import JOURNEYS
from kiosk.journeys.parts.card_session import CardState
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig
from kiosk.runtime.worker import Worker
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox
from tests.e2e.card_env import pcscd  # noqa: F401 - the module-scoped fixture

PIN = "739164"  # distinctive, so a scan for it cannot match a timestamp by chance
PIN_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")


@dataclass
class RecordingPrinter:
    jobs: list[tuple[str, Document]] = field(default_factory=list)

    def submit(self, job_id: str, document: Document) -> None:
        self.jobs.append((job_id, document))

    def last_status(self) -> PaperStatus:
        return PaperStatus.READY


class Kiosk:
    def __init__(self, tmp_path: Path, daemon: PrivatePcscd, issuer: CardIssuer, url: str):
        self.clock = SystemClock()
        self.bus = EventBus()
        engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
        self.db_path = tmp_path / "kiosk.db"
        outbox = Outbox(engine, "kiosk-1", self.clock)
        outbox.create_schema()
        self.ledger = Ledger(engine, outbox, self.clock)
        self.ledger.create_schema()
        self.reader = PcscCardReader("card", "Virtual PCD 00 00", self.bus.publish, wait_ms=200)
        self.worker = Worker("core-cards")
        http = CardCoreHttp(url, "kiosk-1", "secret-token")
        self.core = CardCoreService(http, self.worker, self.bus.publish)
        self.service = PcscCardService(self.reader, self.bus.publish, self.clock)
        self.pad = EmulatedPinPad("pinpad", PinKey(PIN_KEY, PinFormat.ISO0), self.bus.publish)
        self.cards = CardHandler(self.service, self.ledger, self.clock, take_timeout=30)
        self.printer = RecordingPrinter()
        self.screens: list[object] = []
        self.daemon = daemon
        self.reader.start()
        self.worker.start()

    def journey(self, purpose: Purpose) -> CardJourney:
        return JOURNEYS[purpose](
            kiosk_id="kiosk-1",
            lang="en",
            catalog=load_catalog(),
            clock=self.clock,
            timeouts=TimeoutConfig(),
            ledger=self.ledger,
            reader=self.service,
            pinpad=self.pad,
            core=self.core,
            cards=self.cards,
            printer=self.printer,
        )

    def run_until(
        self, journey: CardJourney, *states: CardState | State, timeout: float = 10.0
    ) -> None:
        import time

        deadline = time.monotonic() + timeout
        while journey.step not in states:
            assert time.monotonic() < deadline, f"stuck in {journey.step} ({journey.screen()})"
            event = self.bus.get(timeout=0.1)
            if event is not None:
                journey.handle(event)
                self.screens.append(journey.screen())
            journey.tick()

    def wait_online(self) -> None:
        import time

        deadline = time.monotonic() + 10
        while not self.service.available():
            assert time.monotonic() < deadline
            time.sleep(0.02)

    def stop(self) -> None:
        self.reader.stop()
        self.worker.stop()


@pytest.fixture
def rig(
    tmp_path: Path,
    pcscd: PrivatePcscd,  # noqa: F811
) -> Iterator[tuple[Kiosk, CardIssuer]]:
    clock = SystemClock()
    issuer = CardIssuer(clock, pin_keys={"kiosk-1": ("iso0", PIN_KEY)}, auto_enrol=False)
    store = Store(f"sqlite:///{tmp_path}/core.db")
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "secret-token"}, clock=clock, cards=issuer)
    url = server.start()
    kiosk = Kiosk(tmp_path, pcscd, issuer, url)
    kiosk.wait_online()
    try:
        yield kiosk, issuer
    finally:
        kiosk.stop()
        server.stop()


def _insert(kiosk: Kiosk, profile: str) -> VpcdLink:
    link = VpcdLink(VirtualCard(load_profile(profile)), kiosk.daemon.port)
    link.insert()
    return link


def _remove(kiosk: Kiosk, link: VpcdLink) -> None:
    """Pulls the card and waits until the reader has seen it go (the next test starts clean)."""
    import time

    link.remove()
    deadline = time.monotonic() + 10
    while kiosk.reader.card_present:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _type(kiosk: Kiosk, journey: CardJourney, digits: str) -> None:
    for d in digits:
        journey.handle(KeyPressed(Key(d)))
    journey.handle(KeyPressed(Key.ENTER))


def test_balance_journey_then_no_pin_anywhere(
    rig: tuple[Kiosk, CardIssuer], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    kiosk, issuer = rig
    issuer.enrol("6228480012345678903", PIN, "12345.67")
    journey = kiosk.journey(Purpose.BALANCE)
    journey.start()
    link = _insert(kiosk, "unionpay_debit")
    kiosk.run_until(journey, CardState.ENTER_PIN)
    _type(kiosk, journey, "111111")  # wrong first
    kiosk.run_until(journey, CardState.AUTHORIZING)
    kiosk.run_until(journey, CardState.ENTER_PIN)
    assert journey.screen().message == "Wrong PIN. Tries left: 2"
    _type(kiosk, journey, PIN)
    kiosk.run_until(journey, State.SHOW_BALANCE)
    screen = journey.screen()
    assert "12,345.67" in screen.amounts[0].amount and screen.private
    journey.handle(KeyPressed(Key.ENTER))
    assert journey.step is CardState.TAKE_CARD
    link.remove()
    kiosk.run_until(journey, State.DONE)

    # The scan: logs, journal, the queue database file, every screen model.
    assert PIN not in caplog.text
    for record in kiosk.ledger.records():
        assert PIN not in repr(record.data)
    assert PIN.encode() not in kiosk.db_path.read_bytes()
    for model in kiosk.screens:
        assert all(PIN not in text for text in model.visible_texts())  # type: ignore[attr-defined]
    kinds = [r.kind for r in kiosk.ledger.records()]
    assert {"card_read", "card_authorized", "card_ejected", "card_taken"} <= set(kinds)


def test_pin_tries_exhausted_core_orders_retention(rig: tuple[Kiosk, CardIssuer]) -> None:
    kiosk, issuer = rig
    issuer.enrol("4761730000000011", PIN, "10.00")
    journey = kiosk.journey(Purpose.BALANCE)
    journey.start()
    link = _insert(kiosk, "visa")
    try:
        for _ in range(3):
            kiosk.run_until(journey, CardState.ENTER_PIN)
            _type(kiosk, journey, "000000")
            kiosk.run_until(journey, CardState.AUTHORIZING)
            kiosk.run_until(journey, CardState.ENTER_PIN, CardState.RETAINED)
            if journey.step is CardState.RETAINED:
                break
        assert journey.step is CardState.RETAINED
        assert issuer.tries_left("4761730000000011") == 0
        retained = [r for r in kiosk.ledger.records() if r.kind == "card_retained"]
        assert retained[0].data["reason"] == "issuer_order"
    finally:
        _remove(kiosk, link)


def test_statement_journey_prints_multiple_pages(rig: tuple[Kiosk, CardIssuer]) -> None:
    kiosk, issuer = rig
    issuer.enrol("5444332211009964", PIN, "500.00")
    journey = kiosk.journey(Purpose.STATEMENT)
    journey.start()
    link = _insert(kiosk, "mastercard")
    try:
        kiosk.run_until(journey, CardState.ENTER_PIN)
        _type(kiosk, journey, PIN)
        kiosk.run_until(journey, State.CHOOSE_PERIOD)
        journey.handle(KeyPressed(Key.D2))
        kiosk.run_until(journey, State.PRINTING)
        assert journey.pages >= 2
        ((_, document),) = kiosk.printer.jobs
        assert document.kind == "statement" and "5444332211009964" not in repr(document)
    finally:
        _remove(kiosk, link)
