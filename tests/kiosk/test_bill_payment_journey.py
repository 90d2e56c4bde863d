"""The cash bill-payment journey, driven by events and a fake clock, with a real SQLite ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from drivers.printer.document import Columns, QrCode
from kiosk.events import Key
from kiosk.journeys.bill_payment import State
from kiosk.journeys.ports import BillLookupFailed, BillsFetched
from kiosk.runtime.config import TimeoutConfig
from offline_queue.events import TransactionAccepted
from offline_queue.models import OutboxState
from tests.kiosk.journey_fixtures import BILL, Rig, make_rig


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return make_rig(tmp_path)


def test_happy_path_pays_the_bill_journals_before_acting_and_returns_to_attract(rig: Rig) -> None:
    j = rig.journey
    assert j.state is State.ATTRACT
    rig.to_insert_cash("2")
    assert j.state is State.INSERT_CASH
    assert rig.lookup.requests[0][1:] == ("SGCC", "1234567890")
    assert rig.cash.names() == ["enable"]

    rig.note(100)
    assert j.state is State.INSERT_CASH
    assert j.screen().amounts[1].amount == "¥100.00"
    rig.note(50)
    assert j.state is State.CONFIRM
    assert rig.cash.names() == ["enable", "accept_escrow", "accept_escrow", "disable"]
    confirm = j.screen()
    assert [a.amount for a in confirm.amounts] == ["¥125.50", "¥150.00", "¥24.50"]

    # Each escrow acceptance was journaled before the device was told to stack the note.
    kinds_at_accept = [n for name, n in rig.cash.calls if name == "accept_escrow"]
    kinds = rig.kinds()
    assert kinds[kinds_at_accept[0] - 1] == "note_escrow_accepted"

    rig.press(Key.ENTER)
    assert j.state is State.PRINTING_RECEIPT
    job_id, receipt, pending_at_print = rig.printer.jobs[0]
    assert pending_at_print == 1, "the payment was queued before the receipt was printed"
    item = rig.outbox.item(j.session.txn_id)
    assert item is not None and item.state is OutboxState.PENDING
    assert rig.sync.wakes == 1
    lines = {b.left: b.right for b in receipt.blocks if isinstance(b, Columns)}
    assert lines["Total paid"] == "¥150.00"
    assert lines["Prepayment"] == "¥24.50"
    assert any(isinstance(b, QrCode) and b.data == j.session.reference for b in receipt.blocks)

    rig.finish_print()
    assert j.state is State.SYNCING
    j.handle(TransactionAccepted(j.session.txn_id, "CR000001", False))
    assert j.state is State.THANK_YOU
    assert j.screen().title == "Payment complete, thank you!"
    rig.clock.advance(j.timeouts.result + 1)
    j.tick()
    assert j.state is State.ATTRACT
    assert rig.kinds() == [
        "cash_session_opened",
        "note_escrow_accepted",
        "note_stacked",
        "note_escrow_accepted",
        "note_stacked",
        "payment_committed",
        "receipt_printed",
    ]
    assert rig.ledger.verify() is None


def test_timeout_with_cash_inserted_credits_the_account_and_prints_a_credit_slip(rig: Rig) -> None:
    j = rig.journey
    rig.to_insert_cash("1")
    rig.note(100)
    rig.clock.advance(j.timeouts.insert_cash - j.timeouts.warning + 1)
    j.tick()
    warning = j.screen()
    assert warning.countdown is not None and 0 < warning.countdown <= j.timeouts.warning
    assert warning.message == "您还在吗？触摸屏幕或按任意键继续"
    assert warning.tap_key == "help", "on a touch screen a touch anywhere keeps the session"

    rig.clock.advance(j.timeouts.warning)
    j.tick()
    assert j.state is State.PRINTING_CREDIT_SLIP
    item = rig.outbox.item(j.session.txn_id)
    assert item is not None, "the inserted cash is queued to the core as a deposit"
    slip = rig.printer.jobs[-1][1]
    assert slip.kind == "credit_slip"
    assert any(isinstance(b, Columns) and b.right == "¥100.00" for b in slip.blocks)
    rig.finish_print()
    assert j.state is State.CREDITED
    assert "¥100.00" in j.screen().body[0]
    assert "customer_timeout" in rig.kinds() and "cash_credited" in rig.kinds()


def test_key_press_during_the_warning_gives_the_customer_more_time(rig: Rig) -> None:
    j = rig.journey
    rig.to_insert_cash()
    rig.clock.advance(j.timeouts.insert_cash - 5)
    j.tick()
    assert j.screen().countdown == 5
    rig.press(Key.D5)
    assert j.screen().countdown is None
    rig.clock.advance(j.timeouts.insert_cash - 5)
    j.tick()
    assert j.state is State.INSERT_CASH


def test_cancel_without_cash_returns_to_attract_and_disables_the_acceptor(rig: Rig) -> None:
    rig.to_insert_cash()
    rig.press(Key.CANCEL)
    assert rig.journey.state is State.ATTRACT
    assert rig.cash.names()[-1] == "disable"
    assert rig.outbox.status().pending == 0


def test_cancel_while_a_note_is_stacking_waits_for_it_and_credits_it(rig: Rig) -> None:
    j = rig.journey
    rig.to_insert_cash()
    j.handle(NoteInEscrow("cash", 6, 10000, "CNY"))
    rig.press(Key.CANCEL)
    assert j.state is State.SETTLING_CASH
    j.handle(NoteCredited("cash", 6, 10000, "CNY"))
    assert j.state is State.PRINTING_CREDIT_SLIP
    item = rig.outbox.item(j.session.txn_id)
    assert item is not None


def test_a_returned_note_tells_the_customer(rig: Rig) -> None:
    rig.to_insert_cash()
    rig.journey.handle(NoteReturned("cash", "rejected"))
    assert rig.journey.screen().message == "The note was returned, please take it back"


def test_note_over_the_biller_limit_is_rejected_before_stacking(rig: Rig) -> None:
    rig.to_insert_cash()
    rig.note(100)
    rig.note(50)  # now paid in full
    rig.journey.handle(NoteInEscrow("cash", 6, 10000, "CNY"))
    assert rig.cash.names()[-1] == "reject_escrow"
    assert rig.kinds()[-1] == "note_escrow_rejected"


def test_invalid_account_number_is_refused_with_a_translated_message(rig: Rig) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2", "1")
    rig.type_digits("123")
    rig.press(Key.ENTER)
    assert j.state is State.ENTER_ACCOUNT
    assert j.screen().message.startswith("That account number is not valid")
    rig.press(Key.CLEAR)
    assert j.screen().input is not None and j.screen().input.value == "12"


def test_core_unreachable_tells_the_customer_no_money_was_taken(rig: Rig) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "2", "1")
    rig.type_digits("1234567890")
    rig.press(Key.ENTER)
    j.handle(BillLookupFailed(rig.lookup.requests[-1][0], "CORE_UNREACHABLE", True))
    assert j.state is State.NOTICE
    assert "You have not been charged" in j.screen().message
    rig.press(Key.ENTER)
    assert j.state is State.ATTRACT


def test_lookup_that_never_answers_times_out(rig: Rig) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "1", "1")
    rig.type_digits("1234567890")
    rig.press(Key.ENTER)
    rig.clock.advance(j.timeouts.core_lookup + 1)
    j.tick()
    assert j.state is State.NOTICE
    assert "无法连接" in j.screen().message
    # a late answer for the abandoned look-up changes nothing
    j.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
    assert j.state is State.NOTICE


def test_acceptor_fault_with_cash_inserted_credits_the_cash(rig: Rig) -> None:
    rig.to_insert_cash()
    rig.note(20)
    rig.journey.handle(AcceptorStateChanged("cash", DeviceState.HARDWARE_ERROR, "jam"))
    assert rig.journey.state is State.PRINTING_CREDIT_SLIP
    assert "acceptor_fault" in rig.kinds()


def test_receipt_not_printed_is_never_claimed_on_screen(rig: Rig) -> None:
    j = rig.journey
    rig.to_insert_cash()
    rig.note(100)
    rig.note(50)
    rig.press(Key.ENTER)
    rig.finish_print(printed=False)
    j.handle(TransactionAccepted(j.session.txn_id, "CR1", False))
    texts = " ".join(j.screen().visible_texts())
    assert "could not be printed" in texts and j.session.reference in texts
    assert "Please take your receipt" not in texts


def test_unsynced_payment_says_pending_not_complete(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, TimeoutConfig(sync_wait=2))
    j = rig.journey
    rig.to_insert_cash()
    rig.note(100)
    rig.note(50)
    rig.press(Key.ENTER)
    rig.finish_print()
    rig.clock.advance(3)
    j.tick()
    assert j.state is State.THANK_YOU
    assert j.screen().title == "Payment accepted, thank you!"


def test_note_stacked_outside_a_session_is_queued_and_flagged(rig: Rig) -> None:
    rig.journey.handle(NoteCredited("cash", 3, 1000, "CNY"))
    assert rig.outbox.status().pending == 1
    assert rig.kinds() == ["note_stacked_unassigned"]


def test_language_key_switches_every_text_on_the_current_screen(rig: Rig) -> None:
    j = rig.journey
    rig.press(Key.ENTER, "1")
    assert j.screen().title == "请选择缴费项目"
    rig.press(Key.LANGUAGE)
    assert j.screen().title == "Choose what to pay"
    assert j.screen().choices[0].label == "State Grid Electricity"


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# Texts that are bilingual on purpose: the language choice and the language switch.
BILINGUAL = {"中文", "请选择语言 Choose your language"}


@pytest.mark.parametrize("lang_key", ["1", "2"])
def test_every_screen_of_the_journey_is_wholly_in_the_chosen_language(
    rig: Rig, lang_key: str
) -> None:
    j = rig.journey
    screens = []

    def seen() -> None:
        screens.append(j.screen())

    rig.press(Key.ENTER)
    rig.press(lang_key)
    seen()
    rig.press("1")
    seen()
    rig.type_digits("12")
    rig.press(Key.ENTER)  # invalid: a message
    seen()
    rig.press(Key.CLEAR, Key.CLEAR)
    rig.type_digits("1234567890")
    rig.press(Key.ENTER)
    seen()
    j.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
    seen()
    rig.press(Key.ENTER)
    rig.note(100)
    rig.clock.advance(j.timeouts.insert_cash - 3)
    j.tick()
    seen()  # with the countdown warning
    rig.note(50)
    seen()
    rig.press(Key.ENTER)
    seen()
    rig.finish_print()
    seen()
    j.handle(TransactionAccepted(j.session.txn_id, "CR1", False))
    seen()
    assert len({s.screen_id for s in screens}) == 9
    for screen in screens:
        texts = [t for t in screen.visible_texts() if t not in BILINGUAL]
        texts = [t for t in texts if t != "English"]  # the switch names the other language
        texts = [t for t in texts if BILL.holder not in t]  # the customer's name is data
        if lang_key == "2":
            assert not [t for t in texts if _has_cjk(t)], screen.screen_id
        else:
            assert _has_cjk(screen.title), screen.screen_id
            assert not [t for t in texts if t.isascii() and t.isalpha()], screen.screen_id


def test_without_billers_the_attract_screen_says_out_of_service(rig: Rig) -> None:
    rig.lookup.listed = ()
    attract = rig.journey.screen()
    assert "暂停服务" in attract.message and "out of service" in attract.message
    rig.press(Key.ENTER, "2")
    assert rig.journey.state is State.NOTICE
    assert "not available" in rig.journey.screen().message


def test_an_offline_acceptor_is_told_before_any_cash_is_asked_for(rig: Rig) -> None:
    rig.cash.online = False
    rig.press(Key.ENTER, "2", "1")
    rig.type_digits("1234567890")
    rig.press(Key.ENTER)
    rig.journey.handle(BillsFetched(rig.lookup.requests[-1][0], (BILL,)))
    rig.press(Key.ENTER)
    assert rig.journey.state is State.NOTICE
    assert "not available" in rig.journey.screen().message
    assert "You have not been charged" in rig.journey.screen().message
    assert rig.cash.names() == []
