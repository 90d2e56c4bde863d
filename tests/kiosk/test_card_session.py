"""The CardSession part on its own, with the fake clock: a real ledger and CardHandler, the
emulated PIN pad, a recording reader, and a parent that only records what the part asks of it."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from drivers.card_reader.base import CardInserted, CardRemoved
from drivers.card_reader.emv.read import read_card
from drivers.card_reader.virtual_card.card import VirtualCard
from drivers.card_reader.virtual_card.profile import load_profile
from drivers.pinpad.base import PinFormat
from drivers.pinpad.emulated import EmulatedPinPad, PinKey
from kiosk.card.handling import CardHandler
from kiosk.clock import FakeClock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.card_ports import (
    AuthorizeDone,
    AuthResult,
    CardAppsOffered,
    CardReadDone,
    CardReadFailed,
    CoreRequestFailed,
)
from kiosk.journeys.parts.base import Cabinet, PartContext
from kiosk.journeys.parts.card_session import CardSession, CardSessionEnded, CardState, CardTexts
from kiosk.journeys.screen_model import Tone
from kiosk.money.amount import Money
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox
from tests.kiosk.card_fakes import FakeReader, swiped

KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
CARD = read_card(VirtualCard(load_profile("unionpay_debit")).process, today=date(2026, 11, 23))
PIN = "4321"
TEXTS = CardTexts(
    declined=lambda reason: "card_pay_declined_funds" if reason == "FUNDS" else "card_declined",
    no_answer="card_pay_no_answer",
    retain_swiped="card_pay_declined",
    approved_note="card_pay_approved",
    authorizing_body="card_pay_authorizing",
)
S = CardState


class Rig:
    def __init__(self, tmp_path: Path, **options: object) -> None:
        self.clock = FakeClock()
        engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
        outbox = Outbox(engine, "kiosk-1", self.clock)
        outbox.create_schema()
        self.ledger = Ledger(engine, outbox, self.clock)
        self.ledger.create_schema()
        self.reader = FakeReader()
        self.pad_events: list[object] = []
        self.pad = EmulatedPinPad("pinpad", PinKey(KEY, PinFormat.ISO0), self.pad_events.append)
        self.cards = CardHandler(self.reader, self.ledger, self.clock, take_timeout=30)
        self.sent: list[tuple[str, str, str]] = []  # (request id, pin block, format)
        self.approvals: list[AuthResult] = []
        self.unknown: list[str] = []
        self.ended: list[CardSessionEnded] = []
        self.release_on_approval = options.pop("release_on_approval", None)
        ctx = PartContext(
            load_catalog(),
            self.clock,
            TimeoutConfig(),
            lambda kind, **data: self.ledger.record("s-1", kind, data),
            lambda: "en",
            cabinet=options.pop("cabinet", Cabinet()),  # type: ignore[arg-type]
        )
        self.part = CardSession(
            ctx,
            purpose="payment",
            session_id="s-1",
            reader=self.reader,
            pinpad=self.pad,
            cards=self.cards,
            authorize=lambda rid, card, block, fmt: self.sent.append((rid, block, fmt)),
            authorized=self._approved,
            on_done=self.ended.append,  # type: ignore[arg-type]
            texts=options.pop("texts", TEXTS),  # type: ignore[arg-type]
            auth_unknown=self.unknown.append,
            **options,  # type: ignore[arg-type]
        )

    def _approved(self, card: object, result: AuthResult) -> None:
        self.approvals.append(result)
        if self.release_on_approval:
            self.part.release(str(self.release_on_approval))

    def send(self, event: object) -> bool:
        taken = self.part.handle(event)
        while self.pad_events:  # the pad's events come back through the bus
            self.part.handle(self.pad_events.pop(0))
        return taken

    def to_pin(self, card: object = CARD) -> None:
        self.part.start()
        self.send(CardInserted("card", "3B00"))
        self.send(CardReadDone(self.reader.reads[-1][0], card))  # type: ignore[arg-type]
        assert self.part.state is S.ENTER_PIN

    def type_pin(self, digits: str = PIN) -> None:
        for d in digits:
            self.send(KeyPressed(Key(d)))
        self.send(KeyPressed(Key.ENTER))

    def answer(self, **kw: object) -> None:
        self.send(AuthorizeDone(self.sent[-1][0], AuthResult(**kw)))  # type: ignore[arg-type]

    def kinds(self) -> list[str]:
        return [r.kind for r in self.ledger.records()]


def approved(**kw: object) -> dict[str, object]:
    return {"approved": True, "tries_left": 3, "retain_card": False, "auth_code": "A1", **kw}


def test_approval_holds_the_card_until_the_parent_releases_it(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.type_pin()
    assert rig.part.state is S.AUTHORIZING and len(rig.sent) == 1
    rig.answer(**approved())
    assert rig.part.state is S.HELD and rig.approvals[0].auth_code == "A1" and not rig.ended
    assert rig.send(KeyPressed(Key.ENTER)) is False  # the parent's screen is up: its key
    rig.part.release("paid")
    assert rig.part.state is S.TAKE_CARD and rig.reader.ejects == 1
    rig.send(CardRemoved("card"))
    assert rig.ended == [CardSessionEnded(approved=True, reason="paid", message_id="")]
    assert rig.kinds() == [
        "card_journey_started",
        "card_read",
        "card_authorized",
        "card_ejected",
        "card_taken",
    ]


def test_the_pin_is_never_journaled_nor_kept(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.type_pin()
    block = rig.sent[0][1]
    assert rig.sent[0][2] == "iso0" and block
    rig.answer(**approved())
    for record in rig.ledger.records():
        assert PIN not in repr(record.data) and block not in repr(record.data)
    for part in (rig.part, rig.part.pin, rig.part.intake):
        assert block not in repr(vars(part)) and PIN not in repr(vars(part))


def test_every_card_screen_has_its_id_the_amount_and_cancel_only_where_it_acts(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path, amount=Money.parse("88.50", "CNY"))
    seen: dict[str, bool] = {}

    def look() -> None:
        screen = rig.part.screen()
        assert screen.screen_id == f"card_{rig.part.state.value}"
        assert screen.amounts and "88.50" in screen.amounts[0].amount
        seen[screen.screen_id] = bool(screen.cancel_label)

    rig.part.start()
    look()
    rig.send(CardInserted("card", "3B00"))
    look()
    rig.send(CardAppsOffered(rig.reader.reads[-1][0], ("A1", "A2"), ("Debit", "Credit")))
    look()
    rig.send(KeyPressed(Key.D1))
    rig.send(CardReadDone(rig.reader.reads[-1][0], CARD))
    look()
    rig.type_pin()
    look()
    assert rig.part.screen().body == (load_catalog().text("en", "card_pay_authorizing"),)
    rig.answer(approved=False, tries_left=2, retain_card=False, reason="FUNDS")
    look()
    rig.clock.advance(31)
    rig.part.tick()
    look()
    assert seen == {
        "card_insert_card": True,
        "card_reading": False,
        "card_choose_app": True,
        "card_enter_pin": True,
        "card_authorizing": False,
        "card_take_card": False,
        "card_retained": False,
    }


def test_a_message_belongs_to_the_state_that_raised_it(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.type_pin("9999")
    rig.answer(approved=False, tries_left=2, retain_card=False, reason="WRONG_PIN")
    screen = rig.part.screen()
    assert rig.part.state is S.ENTER_PIN and screen.message == "Wrong PIN. Tries left: 2"
    assert screen.tone is Tone.ERROR and screen.input is not None and screen.input.value == ""
    rig.type_pin()
    assert rig.part.state is S.AUTHORIZING and rig.part.screen().message == ""
    rig.answer(approved=False, tries_left=3, retain_card=False, reason="FUNDS")
    screen = rig.part.screen()
    assert rig.part.state is S.TAKE_CARD and screen.tone is Tone.ERROR
    assert screen.message == load_catalog().text("en", "card_pay_declined_funds")
    rig.send(CardRemoved("card"))
    assert rig.ended[0].message_id == "card_pay_declined_funds"  # the outcome, told next
    assert rig.ended[0].reason == "declined" and not rig.ended[0].approved


def test_the_take_card_countdown_is_the_card_handlers_and_a_card_left_is_retained(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path, release_on_approval="paid")
    rig.to_pin()
    rig.type_pin()
    rig.answer(**approved())
    assert rig.part.state is S.TAKE_CARD and rig.part.screen().countdown == 30
    assert rig.part.screen().body[0] == load_catalog().text("en", "card_pay_approved")
    rig.clock.advance(12)
    rig.part.tick()
    assert rig.part.screen().countdown == 18 and rig.part.seconds_left() == 18
    rig.clock.advance(19)
    rig.part.tick()
    assert rig.part.state is S.RETAINED and rig.cards.retained_count == 1
    assert rig.part.screen().tone is Tone.WARNING and not rig.ended
    rig.send(KeyPressed(Key.ENTER))
    assert rig.ended[0].retained and rig.ended[0].reason == "not_taken" and rig.ended[0].approved


def test_insert_timeout_says_so_first_then_ends_for_the_parent_to_go_back(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    rig.part.start()
    rig.clock.advance(30)
    rig.part.tick()
    screen = rig.part.screen()
    assert screen.countdown == 15 and screen.message and screen.tone is Tone.WARNING
    rig.send(KeyPressed(Key.D5))  # any key is activity
    assert rig.part.screen().countdown is None
    rig.clock.advance(46)
    rig.part.tick()
    assert rig.ended == [CardSessionEnded(False, "customer_timeout", "", timed_out=True)]
    assert "customer_timeout" in rig.kinds() and rig.reader.ejects == 0


def test_pin_timeout_gives_the_card_back_and_reports_the_customer_gone(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.clock.advance(61)
    rig.part.tick()
    assert rig.part.state is S.TAKE_CARD and rig.reader.ejects == 1
    rig.send(CardRemoved("card"))
    assert rig.ended[0].timed_out and rig.ended[0].reason == "customer_timeout"


def test_no_answer_in_time_reverses_and_ignores_the_late_answer(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.type_pin()
    rig.clock.advance(16)
    rig.part.tick()
    assert rig.unknown == ["timeout"] and rig.part.state is S.TAKE_CARD
    assert rig.part.screen().message == load_catalog().text("en", "card_pay_no_answer")
    rig.answer(**approved())  # too late: the reversal settles it
    assert rig.approvals == [] and "card_auth_timeout" in rig.kinds()


def test_a_core_failure_reverses_and_gives_the_card_back(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.type_pin()
    rig.send(CoreRequestFailed(rig.sent[0][0], "CORE_UNREACHABLE", transient=True))
    assert rig.unknown == ["no_answer"] and rig.part.state is S.TAKE_CARD
    assert "card_auth_failed" in rig.kinds()


def test_an_approval_with_a_retain_order_is_reversed_and_the_card_kept(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.type_pin()
    rig.answer(**approved(retain_card=True))
    assert rig.unknown == ["retain_ordered"] and rig.approvals == []
    assert rig.part.state is S.RETAINED and rig.cards.retained_count == 1
    rig.clock.advance(11)
    rig.part.tick()
    assert rig.ended == [CardSessionEnded(False, "issuer_order", "", retained=True)]


@pytest.mark.parametrize("tell", [False, True])
def test_a_swiped_card_is_never_ejected_nor_captured(tmp_path: Path, tell: bool) -> None:
    rig = Rig(tmp_path, accepts_swipe=lambda: True, tell_swipe_outcome=tell)
    rig.part.start()
    assert "can be swiped" in rig.part.screen().body[0]
    rig.send(swiped("chip_card"))
    assert rig.part.state is S.INSERT_CARD
    assert "instead of swiping" in rig.part.screen().message
    rig.send(swiped("stripe_only"))
    assert rig.part.state is S.ENTER_PIN and rig.part.screen().message == ""
    rig.send(CardRemoved("card"))  # the chip reader's news is not about a swiped card
    assert rig.part.state is S.ENTER_PIN
    rig.type_pin()
    rig.answer(approved=False, tries_left=0, retain_card=True, reason="PIN_TRIES_EXCEEDED")
    assert rig.reader.ejects == 0 and rig.cards.retained_count == 0
    retained = [r for r in rig.ledger.records() if r.kind == "card_retained"]
    assert not retained[0].data["captured"]
    if tell:
        assert rig.part.state is S.SWIPE_DONE and not rig.ended
        assert rig.part.screen().message.startswith("Your bank declined")
        rig.send(KeyPressed(Key.ENTER))
    assert rig.ended == [CardSessionEnded(False, "issuer_order", "card_pay_declined")]


def test_a_card_pulled_while_authorizing_still_settles_the_answer(tmp_path: Path) -> None:
    rig = Rig(tmp_path, release_on_approval="paid")
    rig.to_pin()
    rig.type_pin()
    rig.send(CardRemoved("card"))
    assert rig.part.state is S.AUTHORIZING and not rig.ended
    rig.answer(**approved())
    assert rig.approvals and rig.reader.ejects == 0  # nothing to eject: straight on
    assert rig.ended == [CardSessionEnded(approved=True, reason="paid", message_id="")]


def test_a_card_pulled_during_pin_entry_ends_the_session(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.send(KeyPressed(Key.D1))
    rig.send(CardRemoved("card"))
    assert rig.ended == [CardSessionEnded(False, "removed", "card_error_removed")]
    rig.send(KeyPressed(Key.D2))
    assert rig.pad_events == []  # the pad was aborted


def test_a_technician_card_is_refused_and_given_back(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.part.start()
    rig.send(CardInserted("card", "3B00"))
    rig.send(CardReadDone(rig.reader.reads[-1][0], dataclasses.replace(CARD, scheme="technician")))
    assert rig.part.state is S.TAKE_CARD
    assert rig.part.screen().message == load_catalog().text("en", "card_error_not_supported")
    ejected = [r for r in rig.ledger.records() if r.kind == "card_ejected"]
    assert ejected[0].data["reason"] == "technician_card"


def test_read_failures_eject_unless_there_is_no_card(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.part.start()
    rig.send(CardInserted("card", "3B00"))
    rig.send(CardReadFailed(rig.reader.reads[-1][0], "CARD_EXPIRED"))
    assert rig.part.state is S.TAKE_CARD and "card_read_failed" in rig.kinds()
    gone = Rig(tmp_path / "gone")
    gone.part.start()
    gone.send(CardInserted("card", "3B00"))
    gone.send(CardReadFailed(gone.reader.reads[-1][0], "CARD_REMOVED"))
    assert gone.ended == [CardSessionEnded(False, "read_failed", "card_error_removed")]
    assert gone.reader.ejects == 0


def test_a_card_already_in_a_dip_reader_is_read_at_once(tmp_path: Path) -> None:
    rig = Rig(tmp_path, card_present=lambda: True)
    rig.part.start()
    assert rig.part.state is S.READING and len(rig.reader.reads) == 1


def test_no_reader_ends_at_once_and_another_readers_card_is_not_ours(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.reader.online = False
    rig.part.start()
    assert rig.ended == [CardSessionEnded(False, "reader_unavailable", "card_reader_unavailable")]
    other = Rig(tmp_path / "other")
    other.reader.mine = lambda event: False  # type: ignore[attr-defined]
    other.part.start()
    assert other.send(CardInserted("ic_reader", "3B00")) is True
    assert other.part.state is S.INSERT_CARD and other.reader.reads == []


def test_the_insert_and_take_screens_say_where_the_card_slot_is_on_this_cabinet(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path, cabinet=Cabinet(card_slot=3))
    rig.part.start()
    cue = "The card slot is at 3 o'clock from the keypad"
    assert rig.part.screen().body[-1] == cue
    rig.send(KeyPressed(Key.CANCEL))
    assert rig.ended[0].reason == "cancelled"
    default = Rig(tmp_path / "default")
    default.part.start()
    body = default.part.screen().body
    assert body == (load_catalog().text("en", "card_insert_body"), cue.replace("3", "2"))


def test_the_kept_card_screen_says_why_and_matches_what_the_journal_records(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    rig.to_pin()
    rig.type_pin()
    rig.answer(**approved(retain_card=True))
    screen = rig.part.screen()
    assert screen.title == "Your card has been kept" and screen.cancel_label == ""
    assert "Your bank asked the kiosk to keep this card" in screen.body
    assert len(set(screen.body)) == len(screen.body), "no sentence said twice"
    dip = Rig(tmp_path / "dip")
    dip.reader.captures = False  # a dip reader cannot take the card in
    dip.to_pin()
    dip.type_pin()
    dip.answer(**approved(retain_card=True))
    kept = [r.data for r in dip.ledger.records() if r.kind == "card_retained"]
    assert kept[-1]["captured"] is False
    screen = dip.part.screen()
    assert screen.title == "Your bank has stopped this card"
    assert "could not keep the card" in " ".join(screen.body), "not 'kept' when it was not"
