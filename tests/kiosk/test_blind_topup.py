"""A blind customer tops up by ear and keypad alone, in both languages,
asks for the screen to be repeated, and answers the inactivity warning in time."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.cash.base import NoteCredited, NoteInEscrow
from drivers.printer.base import PaperStatus, PrintResult
from drivers.sensors.headphone import HeadphoneChanged
from kiosk.clock import FakeClock
from kiosk.events import EventBus, Key
from kiosk.i18n import load_catalog
from kiosk.journeys.ports import PrintFinished
from kiosk.journeys.topup import Product, TopupJourney, TopupState
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig
from kiosk.runtime.controller import JourneyController
from kiosk.speech.service import SpeechService
from kiosk.speech.voice_mode import VoiceConfig, VoiceMode
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox
from tests.kiosk.journey_fixtures import ELECTRICITY, FakeCash, FakePrinter, FakeSync
from tests.kiosk.test_blind_customer import BlindCustomer, Headphones

HEARD = {
    "en": {"number": "Number", "insert": "Insert notes", "done": "Top-up done", "warn": "still"},
    "zh_CN": {"number": "号码", "insert": "请投入纸币", "done": "充值成功", "warn": "还在吗"},
}


def _topup(tmp_path: Path, lang: str) -> tuple[TopupJourney, FakeCash, FakePrinter, FakeClock]:
    clock = FakeClock()
    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    outbox = Outbox(engine, "kiosk-test", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock)
    ledger.create_schema()
    cash, printer = FakeCash(ledger), FakePrinter(outbox)
    journey = TopupJourney(
        kiosk_id="kiosk-test",
        currency="CNY",
        catalog=load_catalog(),
        clock=clock,
        timeouts=TimeoutConfig(),
        ledger=ledger,
        products=(Product("SGCC", ELECTRICITY),),
        cash=cash,
        printer=printer,
        sync=FakeSync(),
        lang=lang,
    )
    return journey, cash, printer, clock


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_blind_customer_tops_up_by_ear(tmp_path: Path, lang: str) -> None:
    journey, cash, printer, clock = _topup(tmp_path, lang)
    ears, bus = Headphones(), EventBus()
    speech = SpeechService(ears)
    voice = VoiceMode(speech, load_catalog(), clock, VoiceConfig())
    controller = JourneyController(bus, journey, voice)  # type: ignore[arg-type]
    customer = BlindCustomer(None, controller, ears, lang)  # type: ignore[arg-type]
    words = HEARD[lang]
    speech.start()
    try:
        journey.start()
        bus.publish(HeadphoneChanged("jack", True))
        heard = customer.listen()
        heard = customer.choose(heard, ELECTRICITY.name(lang))
        assert any(words["number"] in line for line in heard), heard
        again = customer.press(Key.HELP)  # "say that again"
        assert any(words["number"] in line for line in again), again
        # the customer pauses: the warning is said, and one key keeps the session
        clock.advance(journey.timeouts.input * journey.timeout_factor - 5)
        heard = customer.listen()
        assert any(words["warn"] in line for line in heard), heard
        for digit in "1234567890":
            heard = customer.press(digit)
        heard = customer.confirm(heard)
        assert any(words["insert"] in line for line in heard), heard
        assert any("o'clock" in line or "点钟" in line for line in heard), "where the slot is"
        journey.handle(NoteInEscrow("cash", 0, 2000, "CNY"))
        journey.handle(NoteCredited("cash", 0, 2000, "CNY"))
        heard = customer.listen()
        heard = customer.confirm(heard)
        assert journey.state is TopupState.PRINTING
        job = printer.jobs[-1][0]
        journey.handle(PrintFinished(job, PrintResult(True, PaperStatus.READY)))
        heard = customer.listen()
        assert any(words["done"] in line for line in heard), heard
        assert "enable" in cash.names()
    finally:
        speech.stop()
