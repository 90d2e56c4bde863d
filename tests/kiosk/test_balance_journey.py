"""Balance and statement journeys with a real ledger, the emulated PIN pad and recorded ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from drivers.card_reader.base import CardInserted, CardRemoved
from drivers.card_reader.emv.read import read_card
from drivers.card_reader.virtual_card.card import VirtualCard
from drivers.card_reader.virtual_card.profile import load_profile
from drivers.pinpad.base import PinFormat
from drivers.pinpad.emulated import EmulatedPinPad, PinKey
from drivers.pinpad.pinblock import format0_pin
from drivers.printer.base import PaperStatus, PrintResult
from drivers.printer.document import Document
from kiosk.card.handling import CardHandler
from kiosk.clock import FakeClock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.card_journey import Purpose, State
from kiosk.journeys.card_ports import (
    AuthorizeDone,
    AuthResult,
    CardAppsOffered,
    CardReadDone,
    CardReadFailed,
    StatementFetched,
)
from kiosk.journeys.card_services_menu import JOURNEYS
from kiosk.journeys.parts.card_session import CardState
from kiosk.journeys.ports import PrintFinished
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig
from kiosk.speech.script import screen_script
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox
from tests.kiosk.card_fakes import FakeReader

KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
CARD = read_card(VirtualCard(load_profile("unionpay_debit")).process, today=date(2026, 11, 23))


@dataclass
class FakeCore:
    authorizations: list[tuple[str, str, str]] = field(default_factory=list)
    statements: list[tuple[str, date, date]] = field(default_factory=list)

    def request_authorize(
        self, request_id: str, card: object, pin_block: str, pin_format: str, purpose: str
    ) -> None:
        self.authorizations.append((request_id, pin_block, purpose))

    def request_statement(self, request_id: str, token: str, start: date, end: date) -> None:
        self.statements.append((request_id, start, end))


@dataclass
class FakePrinter:
    jobs: list[tuple[str, Document]] = field(default_factory=list)
    status: PaperStatus = PaperStatus.READY

    def submit(self, job_id: str, document: Document) -> None:
        self.jobs.append((job_id, document))

    def last_status(self) -> PaperStatus:
        return self.status


class Rig:
    def __init__(self, tmp_path: Path, purpose: Purpose = Purpose.BALANCE) -> None:
        self.clock = FakeClock()
        engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
        outbox = Outbox(engine, "kiosk-1", self.clock)
        outbox.create_schema()
        self.ledger = Ledger(engine, outbox, self.clock)
        self.ledger.create_schema()
        self.reader, self.core, self.printer = FakeReader(), FakeCore(), FakePrinter()
        self.pad_events: list[object] = []
        self.pad = EmulatedPinPad("pinpad", PinKey(KEY, PinFormat.ISO0), self.pad_events.append)
        self.cards = CardHandler(self.reader, self.ledger, self.clock, take_timeout=30)
        self.journey = JOURNEYS[purpose](
            kiosk_id="kiosk-1",
            lang="en",
            catalog=load_catalog(),
            clock=self.clock,
            timeouts=TimeoutConfig(),
            ledger=self.ledger,
            reader=self.reader,
            pinpad=self.pad,
            core=self.core,
            cards=self.cards,
            printer=self.printer,
        )
        self.screens: list[object] = []

    def send(self, event: object) -> None:
        self.journey.handle(event)
        while self.pad_events:  # the pad's events come back through the bus
            self.journey.handle(self.pad_events.pop(0))
        self.screens.append(self.journey.screen())

    def to_pin(self) -> None:
        self.journey.start()
        self.send(CardInserted("card", "3B00"))
        self.send(CardReadDone(self.reader.reads[-1][0], CARD))
        assert self.journey.card.state is CardState.ENTER_PIN

    def type_pin(self, digits: str) -> None:
        for d in digits:
            self.send(KeyPressed(Key(d)))
        self.send(KeyPressed(Key.ENTER))

    def authorize(self, **kw: object) -> None:
        rid = self.core.authorizations[-1][0]
        self.send(AuthorizeDone(rid, AuthResult(**kw)))  # type: ignore[arg-type]


def test_balance_shown_then_card_returned(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.type_pin("1234")
    assert rig.journey.card.state is CardState.AUTHORIZING
    _, block, purpose = rig.core.authorizations[0]
    assert purpose == "balance" and format0_pin(bytes.fromhex(block), CARD.pan, KEY) == "1234"
    rig.authorize(
        approved=True,
        tries_left=3,
        retain_card=False,
        balance={"amount": "8888.88", "currency": "CNY"},
    )
    screen = rig.journey.screen()
    assert rig.journey.state is State.SHOW_BALANCE and screen.private
    assert screen.amounts[0].amount == "¥8,888.88" or "8,888.88" in screen.amounts[0].amount
    rig.send(KeyPressed(Key.ENTER))
    assert rig.journey.card.state is CardState.TAKE_CARD and rig.reader.ejects == 1
    rig.send(CardRemoved("card"))
    assert rig.journey.state is State.DONE
    kinds = [r.kind for r in rig.ledger.records()]
    assert kinds[-3:] == ["card_authorized", "card_ejected", "card_taken"]


def test_pin_screen_shows_dots_and_says_digit_entered(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    for d in "12":
        rig.send(KeyPressed(Key(d)))
    screen = rig.journey.screen()
    assert screen.input is not None and screen.input.secret and screen.input.value == "●●"
    assert screen.message == "Digit entered"


def test_wrong_pin_shows_tries_left_then_issuer_retains(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.type_pin("9999")
    rig.authorize(approved=False, tries_left=2, retain_card=False, reason="WRONG_PIN")
    assert rig.journey.card.state is CardState.ENTER_PIN
    assert rig.journey.screen().message == "Wrong PIN. Tries left: 2"
    rig.type_pin("9998")
    rig.authorize(approved=False, tries_left=0, retain_card=True, reason="PIN_TRIES_EXCEEDED")
    assert rig.journey.card.state is CardState.RETAINED
    assert rig.cards.retained_count == 1
    retained = [r for r in rig.ledger.records() if r.kind == "card_retained"]
    assert retained[0].data["reason"] == "issuer_order" and retained[0].data["captured"]


def test_card_not_taken_in_time_is_retained_and_counted(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.send(KeyPressed(Key.CANCEL))
    assert rig.journey.card.state is CardState.TAKE_CARD
    assert rig.journey.screen().countdown == 30
    rig.clock.advance(29)
    rig.journey.tick()
    assert rig.journey.card.state is CardState.TAKE_CARD
    rig.clock.advance(2)
    rig.journey.tick()
    assert rig.journey.card.state is CardState.RETAINED
    assert CardHandler(rig.reader, rig.ledger, rig.clock).retained_count == 1  # from the journal


def test_two_applications_offer_a_choice(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.journey.start()
    rig.send(CardInserted("card", "3B00"))
    rid = rig.reader.reads[-1][0]
    rig.send(CardAppsOffered(rid, ("A000000333010101", "A000000333010102"), ("Debit", "Credit")))
    assert [c.label for c in rig.journey.screen().choices] == ["Debit", "Credit"]
    rig.send(KeyPressed(Key.D2))
    assert rig.reader.reads[-1][1] == "A000000333010102"


@pytest.mark.parametrize(
    ("code", "message", "state"),
    [
        ("CARD_EXPIRED", "This card has expired. Please contact your bank", CardState.TAKE_CARD),
        (
            "CARD_APP_BLOCKED",
            "This card's account is blocked. Please contact your bank",
            CardState.TAKE_CARD,
        ),
        (
            "CARD_READER_UNAVAILABLE",
            "The card reader is unavailable. Please try later or pay with cash",
            State.DONE,
        ),
    ],
)
def test_read_failures_tell_the_customer(
    tmp_path: Path, code: str, message: str, state: CardState | State
) -> None:
    rig = Rig(tmp_path)
    rig.journey.start()
    rig.send(CardInserted("card", "3B00"))
    rig.send(CardReadFailed(rig.reader.reads[-1][0], code))
    assert rig.journey.step is state and rig.journey.screen().message == message


def test_statement_is_fetched_and_printed_on_several_pages(tmp_path: Path) -> None:
    rig = Rig(tmp_path, Purpose.STATEMENT)
    rig.to_pin()
    rig.type_pin("1234")
    rig.authorize(approved=True, tries_left=3, retain_card=False, session_token="tok")
    assert rig.journey.state is State.CHOOSE_PERIOD
    rig.send(KeyPressed(Key.D2))
    rid, start, end = rig.core.statements[0]
    assert (end - start).days == 89
    entries = tuple(
        {
            "date": f"2026-{11 - i // 28:02d}-{28 - i % 28:02d}",
            "description": "Supermarket",
            "amount": {"amount": "-12.50", "currency": "CNY"},
            "balance": {"amount": f"{1000 + i * 12.5:.2f}", "currency": "CNY"},
        }
        for i in range(60)
    )
    rig.send(StatementFetched(rid, entries, "CNY"))
    assert rig.journey.state is State.PRINTING and rig.journey.pages >= 2
    job_id, document = rig.printer.jobs[0]
    assert document.kind == "statement" and CARD.pan not in repr(document)
    rig.send(PrintFinished(job_id, PrintResult(printed=True, status=PaperStatus.READY)))
    assert rig.journey.card.state is CardState.TAKE_CARD
    assert rig.journey.screen().message == "Your statement has been printed. Please take it"


def test_card_pulled_during_pin_entry_ends_the_session(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.send(KeyPressed(Key.D1))
    rig.send(CardRemoved("card"))
    assert rig.journey.state is State.DONE
    rig.send(KeyPressed(Key.D2))  # the pad was aborted: nothing more is collected
    assert rig.pad_events == []


def _to_balance(rig: Rig) -> None:
    rig.to_pin()
    rig.type_pin("1234")
    rig.authorize(
        approved=True,
        tries_left=3,
        retain_card=False,
        balance={"amount": "8888.88", "currency": "CNY"},
    )
    assert rig.journey.state is State.SHOW_BALANCE


def test_balance_receipt_prints_masked_pan_after_the_card_is_returned(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    _to_balance(rig)
    assert [(c.key, c.label) for c in rig.journey.screen().choices] == [("1", "Print a receipt")]
    rig.send(KeyPressed(Key.D1))
    # the card is out before the job exists: the receipt never keeps the card
    assert rig.journey.card.state is CardState.TAKE_CARD and rig.reader.ejects == 1
    kinds = [r.kind for r in rig.ledger.records()]
    assert kinds[-2:] == ["card_ejected", "balance_receipt_requested"]
    job_id, document = rig.printer.jobs[0]
    text = repr(document)
    assert document.kind == "balance" and CARD.pan not in text
    assert "**** **** **** " + CARD.pan[-4:] in text and "kiosk-1" in text
    assert "8,888.88" in text and load_catalog().text("en", "receipt_time") in text
    assert rig.journey.screen().message == "Please take your card. Your receipt is being printed"
    rig.send(PrintFinished(job_id, PrintResult(printed=True, status=PaperStatus.READY)))
    assert rig.journey.screen().message == "Your receipt has been printed. Please take it"
    rig.send(CardRemoved("card"))
    assert rig.journey.state is State.RECEIPT_DONE
    rig.clock.advance(rig.journey.timeouts.result + 1)
    rig.journey.tick()
    assert rig.journey.state is State.DONE
    assert "balance_receipt_printed" in [r.kind for r in rig.ledger.records()]


def test_no_receipt_offered_when_the_printer_cannot_print(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.printer.status = PaperStatus.PAPER_OUT
    _to_balance(rig)
    assert rig.journey.screen().choices == ()
    rig.send(KeyPressed(Key.D1))
    assert rig.journey.state is State.SHOW_BALANCE and rig.printer.jobs == []


def test_failed_receipt_is_told_after_the_card_is_taken(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    _to_balance(rig)
    rig.send(KeyPressed(Key.D1))
    rig.send(CardRemoved("card"))  # taken before the printer answered
    assert rig.journey.state is State.PRINTING and rig.journey.screen().busy
    job_id, _ = rig.printer.jobs[0]
    rig.send(PrintFinished(job_id, PrintResult(printed=False, status=PaperStatus.PAPER_OUT)))
    screen = rig.journey.screen()
    assert rig.journey.state is State.RECEIPT_DONE
    assert (
        screen.message == "Sorry, the receipt could not be printed" and screen.tone.value == "error"
    )
    rig.send(KeyPressed(Key.ENTER))
    assert rig.journey.state is State.DONE


def test_silent_printer_does_not_hold_the_customer(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    _to_balance(rig)
    rig.send(KeyPressed(Key.D1))
    rig.send(CardRemoved("card"))
    rig.clock.advance(rig.journey.timeouts.print_job + 1)
    rig.journey.tick()
    assert rig.journey.state is State.RECEIPT_DONE
    assert rig.journey.screen().message == "Sorry, the receipt could not be printed"


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_receipt_choice_and_outcome_are_spoken(tmp_path: Path, lang: str) -> None:
    rig = Rig(tmp_path)
    rig.journey.lang = lang
    _to_balance(rig)
    screens = [rig.journey.screen()]
    rig.send(KeyPressed(Key.D1))
    rig.send(PrintFinished(rig.printer.jobs[0][0], PrintResult(True, PaperStatus.READY)))
    rig.send(CardRemoved("card"))
    screens += rig.screens[-3:]
    catalog = load_catalog()
    receipt_label = catalog.text(lang, "card_balance_print_receipt")
    assert any(f"1 {receipt_label}" in s.visible_texts() for s in screens)
    for screen in screens:
        shown = [u.shows for u in screen_script(screen, catalog)]
        for text in screen.visible_texts():
            assert any(text in s for s in shown), f"{screen.screen_id}: {text!r} is never spoken"
