"""Overpayment is stated before the note is stacked; partial payment only where allowed;
a full cashbox takes cash out of service before the customer starts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from drivers.cash.base import NoteCredited, NoteInEscrow
from kiosk.events import Key
from kiosk.journeys.bill_payment import State
from kiosk.money.cash.counters import cashbox_counts
from kiosk.money.cash.service import CashService
from tests.kiosk.journey_fixtures import ELECTRICITY, make_rig


def test_the_insert_screen_says_no_change_is_given_before_any_note(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash("2")  # English
    assert any("prepayment" in line for line in rig.journey.screen().body)


def test_with_consent_an_overpaying_note_waits_in_escrow_for_the_customers_yes(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path)
    rig.journey.overpay_consent = True
    rig.to_insert_cash("2")
    rig.note(100)
    rig.journey.handle(NoteInEscrow("cash", 6, 10000, "CNY"))  # 200 for a 125.50 bill
    assert rig.cash.names().count("accept_escrow") == 1, "held, not stacked"
    assert "¥74.50" in " ".join(rig.journey.screen().body)
    assert rig.kinds()[-1] == "note_escrow_overpay_offered"
    rig.press(Key.CANCEL)  # "no thanks": the note comes back, the session goes on
    assert rig.cash.names()[-1] == "reject_escrow"
    assert rig.journey.state is State.INSERT_CASH
    rig.journey.handle(NoteInEscrow("cash", 6, 10000, "CNY"))
    rig.press(Key.D1)  # "yes"
    assert rig.cash.names()[-1] == "accept_escrow"
    accepted = [r.data for r in rig.ledger.records() if r.kind == "note_escrow_accepted"]
    assert accepted[-1]["prepayment"] == {"amount": "74.50", "currency": "CNY"}
    rig.journey.handle(NoteCredited("cash", 6, 10000, "CNY"))
    assert rig.journey.state is State.CONFIRM


def test_partial_payment_only_when_the_biller_allows_it(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash("2")
    rig.note(50)
    rig.press(Key.ENTER)
    assert rig.journey.state is State.INSERT_CASH
    assert rig.journey.tender.message_id == "partial_not_allowed"

    rig2 = make_rig(tmp_path / "b")
    rig2.lookup.listed = (replace(ELECTRICITY, partial_allowed=True),)
    rig2.to_insert_cash("2")
    rig2.note(50)
    rig2.press(Key.ENTER)
    assert rig2.journey.state is State.CONFIRM
    rig2.press(Key.ENTER)
    committed = [r.data for r in rig2.ledger.records() if r.kind == "payment_committed"]
    assert committed[0]["amount"]["amount"] == "50.00"


def test_a_full_cashbox_takes_cash_out_of_service(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.to_insert_cash()
    rig.note(100)
    rig.note(20)
    service = CashService(rig.cash, lambda: cashbox_counts(rig.ledger, "CNY", capacity=2))
    assert not service.available()
    roomy = CashService(rig.cash, lambda: cashbox_counts(rig.ledger, "CNY", capacity=3))
    assert roomy.available()
