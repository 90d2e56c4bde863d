"""Bill payment by card: the journey with a real ledger/outbox, the emulated PIN pad and
recorded reader/core ports, on a FakeClock. Plus start-up recovery of a crash between the core's
approval and the committed card_payment, and a scan that no clear PIN is kept anywhere."""

from __future__ import annotations

import logging
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
from drivers.printer.base import PaperStatus
from kiosk.card.handling import CardHandler
from kiosk.clock import FakeClock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.bill_payment import BillPaymentJourney
from kiosk.journeys.bill_payment_card_ports import reversal_txn_id
from kiosk.journeys.bill_payment_states import State
from kiosk.journeys.card_ports import (
    AuthorizeDone,
    AuthResult,
    CardAppsOffered,
    CardReadDone,
    CardReadFailed,
    CoreRequestFailed,
)
from kiosk.money.amount import Money
from kiosk.money.ledger import Ledger
from kiosk.money.recovery import recover
from kiosk.runtime.config import TimeoutConfig
from offline_queue.db import make_engine
from offline_queue.events import TransactionAccepted
from offline_queue.outbox import Outbox
from tests.kiosk.card_fakes import FakeReader
from tests.kiosk.journey_fixtures import (
    BILL,
    FakeCash,
    FakeLookup,
    FakePrinter,
    FakeSync,
    Rig,
)

KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
CARD = read_card(VirtualCard(load_profile("unionpay_debit")).process, today=date(2026, 11, 23))
PIN = "739164"


@dataclass
class FakePaymentCore:
    """Records each authorization with how many journal records were durable at that moment."""

    ledger: Ledger
    calls: list[dict[str, object]] = field(default_factory=list)

    def request_payment(
        self,
        request_id: str,
        card: object,
        pin_block: str,
        pin_format: str,
        amount: Money,
        txn_id: str,
    ) -> None:
        kinds = [r.kind for r in self.ledger.records(txn_id=txn_id)]
        self.calls.append(
            {"rid": request_id, "block": pin_block, "amount": amount, "txn": txn_id, "kinds": kinds}
        )


class CardRig(Rig):
    reader: FakeReader
    core: FakePaymentCore
    cards: CardHandler
    pad_events: list[object]

    def send(self, event: object) -> None:
        self.journey.handle(event)
        while self.pad_events:  # the pad's events come back through the bus
            self.journey.handle(self.pad_events.pop(0))
        self.screens.append(self.journey.screen())

    def to_card_pin(self, card: object = CARD) -> None:
        self.to_bill()
        self.send(KeyPressed(Key.D2))
        assert self.journey.state is State.CARD_INSERT
        self.send(CardInserted("card", "3B00"))
        self.send(CardReadDone(self.reader.reads[-1][0], card))  # type: ignore[arg-type]
        assert self.journey.state is State.CARD_PIN

    def to_bill(self) -> None:
        self.press(Key.ENTER, "2", "1")
        self.type_digits("1234567890")
        self.press(Key.ENTER)
        from kiosk.journeys.ports import BillsFetched

        self.journey.handle(BillsFetched(self.lookup.requests[-1][0], (BILL,)))
        assert self.journey.state is State.BILL_DETAILS

    def type_pin(self, digits: str) -> None:
        for d in digits:
            self.send(KeyPressed(Key(d)))
        self.send(KeyPressed(Key.ENTER))

    def answer(self, **kw: object) -> None:
        self.send(AuthorizeDone(self.core.calls[-1]["rid"], AuthResult(**kw)))  # type: ignore[arg-type]

    def queued(self) -> list[dict]:
        return [e.payload for e in self.outbox.due_batch(100, force=True)]


def make_card_rig(tmp_path: Path, *, online: bool = True) -> CardRig:
    clock = FakeClock()
    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    outbox = Outbox(engine, "kiosk-test", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock)
    ledger.create_schema()
    lookup, cash, printer, sync = FakeLookup(), FakeCash(ledger), FakePrinter(outbox), FakeSync()
    reader, core = FakeReader(), FakePaymentCore(ledger)
    pad_events: list[object] = []
    pad = EmulatedPinPad("pinpad", PinKey(KEY, PinFormat.ISO0), pad_events.append)
    cards = CardHandler(reader, ledger, clock, take_timeout=30)
    journey = BillPaymentJourney(
        kiosk_id="kiosk-test",
        currency="CNY",
        default_language="zh_CN",
        catalog=load_catalog(),
        clock=clock,
        timeouts=TimeoutConfig(),
        ledger=ledger,
        lookup=lookup,
        cash=cash,
        printer=printer,
        sync=sync,
        online=lambda: online,
        card_reader=reader,
        pinpad=pad,
        card_core=core,
        card_handler=lambda: cards,  # as the composition root passes it (built at start)
    )
    rig = CardRig(journey, clock, ledger, outbox, lookup, cash, printer, sync)
    rig.reader, rig.core, rig.cards, rig.pad_events = reader, core, cards, pad_events
    rig.screens = []
    return rig


def test_card_payment_journals_request_first_commits_returns_card_then_prints(
    tmp_path: Path,
) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_bill()
    bill_screen = rig.journey.screen()
    assert [c.label for c in bill_screen.choices] == ["Pay with cash", "Pay by card"]
    rig.send(KeyPressed(Key.D2))
    rig.send(CardInserted("card", "3B00"))
    rig.send(CardReadDone(rig.reader.reads[-1][0], CARD))
    pin_screen = rig.journey.screen()
    assert pin_screen.private and pin_screen.input is not None and pin_screen.input.secret
    assert pin_screen.amounts[0].amount == "¥125.50"
    rig.type_pin(PIN)
    assert rig.journey.state is State.CARD_AUTHORIZING
    call = rig.core.calls[0]
    assert call["amount"] == BILL.amount_due
    assert format0_pin(bytes.fromhex(str(call["block"])), CARD.pan, KEY) == PIN
    assert call["kinds"] == ["card_auth_requested"]  # durable before the request left
    rig.answer(approved=True, tries_left=3, retain_card=False, auth_code="A12345")

    (payload,) = rig.queued()
    assert payload["type"] == "card_payment" and payload["txn_id"] == call["txn"]
    assert payload["tender"] == {
        "type": "card",
        "masked_pan": CARD.masked_pan,
        "auth_code": "A12345",
    }
    assert payload["amount"] == "125.50" and payload["details"]["bill_id"] == BILL.bill_id
    # The card comes back before the receipt prints.
    assert rig.journey.state is State.CARD_TAKE and rig.reader.ejects == 1
    assert rig.printer.jobs == []
    assert "Payment approved" in " ".join(rig.journey.screen().body)
    rig.send(CardRemoved("card"))
    assert rig.journey.state is State.PRINTING_RECEIPT
    rig.finish_print()
    assert rig.journey.state is State.SYNCING
    rig.send(TransactionAccepted(str(call["txn"]), "CR0000000001", False))
    assert rig.journey.state is State.THANK_YOU
    thanks = rig.journey.screen()
    assert thanks.amounts[0].amount == "¥125.50" and thanks.title.startswith("Payment complete")

    document = rig.printer.jobs[0][1]
    texts = repr(document.blocks)
    assert "**** **** **** " + CARD.pan[-4:] in texts and "A12345" in texts
    assert CARD.pan not in texts
    kinds = rig.kinds()
    assert kinds.index("card_auth_requested") < kinds.index("card_authorized")
    assert kinds.index("payment_committed") < kinds.index("card_ejected")
    assert kinds.index("card_taken") < kinds.index("receipt_printed")


def test_bill_screen_offers_cash_only_without_card_ports(tmp_path: Path) -> None:
    from tests.kiosk.journey_fixtures import make_rig

    rig = make_rig(tmp_path)
    rig.press(Key.ENTER, "2", "1")
    rig.type_digits("1234567890")
    rig.press(Key.ENTER)
    from kiosk.journeys.ports import BillsFetched

    rig.journey.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
    assert [c.key for c in rig.journey.screen().choices] == ["1"]
    rig.press(Key.D2)  # nothing happens: cash is the only tender
    assert rig.journey.state is State.BILL_DETAILS


def test_card_never_offered_offline_and_the_screen_says_so(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path, online=False)
    rig.to_bill()
    screen = rig.journey.screen()
    assert [c.key for c in screen.choices] == ["1"]
    assert any("Card payment needs a live connection" in line for line in screen.body)
    rig.send(KeyPressed(Key.D2))
    assert rig.journey.state is State.BILL_DETAILS
    assert rig.journey.screen().message.startswith("Card payment needs a live connection")
    assert rig.reader.reads == [] and rig.core.calls == []


def test_wrong_pin_shows_tries_left_and_a_retry_pays(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_card_pin()
    rig.type_pin("111111")
    rig.answer(approved=False, tries_left=2, retain_card=False, reason="WRONG_PIN")
    assert rig.journey.state is State.CARD_PIN
    assert rig.journey.screen().message == "Wrong PIN. Tries left: 2"
    rig.type_pin(PIN)
    first, second = rig.core.calls
    assert first["txn"] != second["txn"]  # one txn id per authorization
    rig.answer(approved=True, tries_left=3, retain_card=False, auth_code="000777")
    assert [p["type"] for p in rig.queued()] == ["card_payment"]
    assert rig.queued()[0]["txn_id"] == second["txn"]


def test_issuer_retain_order_is_obeyed_and_cash_still_possible(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_card_pin()
    rig.type_pin("111111")
    rig.answer(approved=False, tries_left=0, retain_card=True, reason="PIN_TRIES_EXCEEDED")
    assert rig.journey.state is State.CARD_RETAINED
    assert rig.cards.retained_count == 1
    retained = [r for r in rig.ledger.records() if r.kind == "card_retained"]
    assert retained[0].data["reason"] == "issuer_order"
    rig.send(KeyPressed(Key.ENTER))
    assert rig.journey.state is State.BILL_DETAILS
    assert "asked us to keep this card" in rig.journey.screen().message
    assert rig.queued() == []  # nothing charged, nothing queued


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        ("INSUFFICIENT_FUNDS", "Not enough money in the account. Nothing was charged."),
        ("EXPIRED_CARD", "This card has expired. Nothing was charged."),
        ("DO_NOT_HONOUR", "Your bank declined this payment. Nothing was charged."),
    ],
)
def test_declines_are_explained_after_the_card_is_back(
    tmp_path: Path, reason: str, text: str
) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_card_pin()
    rig.type_pin(PIN)
    rig.answer(approved=False, tries_left=3, retain_card=False, reason=reason)
    assert rig.journey.state is State.CARD_TAKE
    assert rig.journey.screen().message.startswith(text)
    rig.send(CardRemoved("card"))
    assert rig.journey.state is State.BILL_DETAILS
    assert rig.journey.screen().message.startswith(text)
    assert rig.queued() == []
    rig.send(KeyPressed(Key.D1))  # the customer pays with cash instead
    assert rig.journey.state is State.INSERT_CASH


def test_decline_is_translated(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path)
    rig.press(Key.ENTER, "1", "1")  # 中文
    rig.type_digits("1234567890")
    rig.press(Key.ENTER)
    from kiosk.journeys.ports import BillsFetched

    rig.journey.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
    assert [c.label for c in rig.journey.screen().choices] == ["现金缴费", "银行卡支付"]
    rig.send(KeyPressed(Key.D2))
    rig.send(CardInserted("card", "3B00"))
    rig.send(CardReadDone(rig.reader.reads[-1][0], CARD))
    rig.type_pin(PIN)
    rig.answer(approved=False, tries_left=3, retain_card=False, reason="INSUFFICIENT_FUNDS")
    assert rig.journey.screen().message.startswith("账户余额不足")


def test_two_applications_are_offered_as_a_choice(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_bill()
    rig.send(KeyPressed(Key.D2))
    rig.send(CardInserted("card", "3B00"))
    rid = rig.reader.reads[-1][0]
    rig.send(CardAppsOffered(rid, ("A000000333010101", "A000000333010102"), ("Debit", "Credit")))
    assert rig.journey.state is State.CARD_CHOOSE_APP
    assert [c.label for c in rig.journey.screen().choices] == ["Debit", "Credit"]
    rig.send(KeyPressed(Key.D2))
    assert rig.reader.reads[-1][1] == "A000000333010102"
    assert rig.journey.state is State.CARD_READING


def test_unreadable_card_is_returned_with_the_reason(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_bill()
    rig.send(KeyPressed(Key.D2))
    rig.send(CardInserted("card", "3B00"))
    rig.send(CardReadFailed(rig.reader.reads[-1][0], "CARD_APP_BLOCKED"))
    assert rig.journey.state is State.CARD_TAKE and rig.reader.ejects == 1
    rig.send(CardRemoved("card"))
    assert rig.journey.state is State.BILL_DETAILS
    assert "blocked" in rig.journey.screen().message


def test_no_answer_from_the_bank_queues_a_reversal_and_says_nothing_is_charged(
    tmp_path: Path,
) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_card_pin()
    rig.type_pin(PIN)
    txn = str(rig.core.calls[0]["txn"])
    rig.clock.advance(TimeoutConfig().core_lookup + 1)
    rig.journey.tick()
    assert rig.journey.state is State.CARD_TAKE
    assert "did not answer" in rig.journey.screen().message
    (reversal,) = rig.queued()
    assert reversal["type"] == "reversal" and reversal["txn_id"] == reversal_txn_id(txn)
    assert reversal["details"]["original_txn_id"] == txn and reversal["amount"] == "125.50"
    # A late approval changes nothing: the reversal settles it.
    rig.answer(approved=True, tries_left=3, retain_card=False, auth_code="999999")
    assert [p["type"] for p in rig.queued()] == ["reversal"]
    rig.send(CardRemoved("card"))
    assert rig.journey.state is State.BILL_DETAILS
    assert recover(rig.ledger).reversed == []  # already settled: never reversed twice


def test_core_failure_reverses_too(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_card_pin()
    rig.type_pin(PIN)
    rig.send(CoreRequestFailed(str(rig.core.calls[0]["rid"]), "CORE_UNREACHABLE", True))
    assert [p["type"] for p in rig.queued()] == ["reversal"]
    assert rig.journey.state is State.CARD_TAKE


def test_card_not_taken_after_payment_is_retained_and_receipt_still_prints(
    tmp_path: Path,
) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_card_pin()
    rig.type_pin(PIN)
    rig.answer(approved=True, tries_left=3, retain_card=False, auth_code="123456")
    assert rig.journey.screen().countdown == 30
    rig.clock.advance(31)
    rig.journey.tick()
    assert rig.journey.state is State.CARD_RETAINED
    rig.clock.advance(TimeoutConfig().result + 1)
    rig.journey.tick()
    assert rig.journey.state is State.PRINTING_RECEIPT and len(rig.printer.jobs) == 1


def test_card_pulled_during_pin_entry_goes_back_to_the_bill(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_card_pin()
    rig.send(KeyPressed(Key.D1))
    rig.send(CardRemoved("card"))
    assert rig.journey.state is State.BILL_DETAILS
    assert rig.journey.screen().message.startswith("The card was removed")
    assert rig.core.calls == []


def test_printer_warning_before_a_card_payment(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path)
    rig.printer.status = PaperStatus.PAPER_OUT
    rig.to_bill()
    rig.send(KeyPressed(Key.D2))
    assert rig.journey.state is State.PRINTER_WARNING
    rig.send(KeyPressed(Key.ENTER))
    assert rig.journey.state is State.CARD_INSERT


def test_crash_after_approval_before_commit_is_reversed_once_on_restart(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_card_pin()
    rig.type_pin(PIN)
    txn = str(rig.core.calls[0]["txn"])
    # The core approved; the kiosk journaled the answer and died before the commit.
    rig.ledger.record(
        rig.journey.session.session_id,
        "card_authorized",
        {"approved": True, "auth_code": "555555"},
        txn_id=txn,
    )
    report = recover(rig.ledger)
    assert report.reversed == [txn]
    (reversal,) = rig.queued()
    assert reversal["type"] == "reversal" and reversal["details"]["original_txn_id"] == txn
    assert reversal["tender"]["masked_pan"] == CARD.masked_pan
    assert recover(rig.ledger).reversed == []  # a second start-up reverses nothing more
    assert len(rig.queued()) == 1


def test_committed_or_declined_authorizations_are_not_reversed(tmp_path: Path) -> None:
    rig = make_card_rig(tmp_path)
    rig.to_card_pin()
    rig.type_pin("111111")
    rig.answer(approved=False, tries_left=2, retain_card=False, reason="WRONG_PIN")
    rig.type_pin(PIN)
    rig.answer(approved=True, tries_left=3, retain_card=False, auth_code="123456")
    assert recover(rig.ledger).reversed == []
    assert [p["type"] for p in rig.queued()] == ["card_payment"]


def test_no_clear_pin_in_logs_journal_queue_or_screens(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rig = make_card_rig(tmp_path)
    rig.to_card_pin()
    rig.type_pin("111111")
    rig.answer(approved=False, tries_left=2, retain_card=False, reason="WRONG_PIN")
    rig.type_pin(PIN)
    rig.answer(approved=True, tries_left=3, retain_card=False, auth_code="123456")
    rig.send(CardRemoved("card"))
    rig.finish_print()
    assert PIN not in caplog.text
    for record in rig.ledger.records():
        assert PIN not in repr(record.data)
        assert CARD.pan not in repr(record.data)  # nor the full PAN / track 2
    raw = (tmp_path / "kiosk.db").read_bytes()
    assert PIN.encode() not in raw and CARD.pan.encode() not in raw
    blocks = [str(c["block"]) for c in rig.core.calls]
    assert all(b.encode() not in raw for b in blocks)  # no PIN block at rest either
    for model in rig.screens:
        assert all(PIN not in text for text in model.visible_texts())  # type: ignore[attr-defined]


def test_card_pulled_while_the_bank_decides(tmp_path: Path) -> None:
    paid = make_card_rig(tmp_path / "a")
    paid.to_card_pin()
    paid.type_pin(PIN)
    paid.send(CardRemoved("card"))
    paid.answer(approved=True, tries_left=3, retain_card=False, auth_code="123456")
    assert paid.journey.state is State.PRINTING_RECEIPT  # paid: the receipt, no take step
    declined = make_card_rig(tmp_path / "b")
    declined.to_card_pin()
    declined.type_pin(PIN)
    declined.send(CardRemoved("card"))
    declined.answer(approved=False, tries_left=3, retain_card=False, reason="INSUFFICIENT_FUNDS")
    assert declined.journey.state is State.BILL_DETAILS
    assert declined.queued() == []
