"""IC-card recharge: cash booked first, the credit written with a MAC, read back, never lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.card_reader.stored_value import (
    CardState,
    CreditRefused,
    StoredValueCard,
    StoredValueError,
)
from drivers.card_reader.stored_value_card import EmulatedStoredValueCard
from drivers.cash.base import NoteCredited, NoteInEscrow
from kiosk.clock import FakeClock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.topup_ic_card import IcCardRechargeJourney, RechargeState
from kiosk.journeys.topup_ic_card_ports import (
    CardCreditResult,
    CardRead,
    pending_credits,
)
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig
from offline_queue.db import make_engine
from offline_queue.outbox import Outbox
from tests.kiosk.journey_fixtures import ELECTRICITY, FakeCash, FakePrinter, FakeSync

KEY = b"k" * 32
CARD_ID = "8600112233445566"


class Port:
    """The reader port, synchronous: the journey gets its answers through `handle`."""

    def __init__(self, card: EmulatedStoredValueCard) -> None:
        self.card = card
        self.host = StoredValueCard(card.process, KEY)
        self.journey: IcCardRechargeJourney | None = None
        self.present = True

    def read(self, request_id: str) -> None:
        assert self.journey is not None
        if not self.present:
            self.journey.handle(CardRead(request_id, None, "no card"))
            return
        self.card.reset()
        self.journey.handle(CardRead(request_id, self.host.read()))

    def credit(self, request_id: str, before: CardState, amount_minor: int) -> None:
        assert self.journey is not None
        try:
            after = self.host.credit(before, amount_minor)
        except StoredValueError as exc:
            self.journey.handle(CardCreditResult(request_id, None, exc.code))
            return
        self.journey.handle(CardCreditResult(request_id, after))


def make(tmp_path: Path, card: EmulatedStoredValueCard):  # type: ignore[no-untyped-def]
    clock = FakeClock()
    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    outbox = Outbox(engine, "kiosk-test", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock)
    ledger.create_schema()
    port = Port(card)
    journey = IcCardRechargeJourney(
        kiosk_id="kiosk-test",
        currency="CNY",
        clock=clock,
        timeouts=TimeoutConfig(),
        ledger=ledger,
        product=ELECTRICITY,
        card=port,
        cash=FakeCash(ledger),
        printer=FakePrinter(outbox),
        sync=FakeSync(),
        catalog=load_catalog(),
        lang="en",
    )
    port.journey = journey
    return journey, ledger, outbox, port


def pay(journey: IcCardRechargeJourney, *values: int) -> None:
    for value in values:
        journey.handle(NoteInEscrow("cash", 0, value * 100, "CNY"))
        journey.handle(NoteCredited("cash", 0, value * 100, "CNY"))
    journey.handle(KeyPressed(Key.ENTER))


def test_card_and_host_macs_protect_the_credit() -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=500)
    host = StoredValueCard(card.process, KEY)
    before = host.read()
    assert before == CardState(CARD_ID, 500, 0)
    after = host.credit(before, 2000)
    assert after == CardState(CARD_ID, 2500, 1)
    with pytest.raises(CreditRefused):
        host.credit(before, 2000)  # a replay with the old counter is refused
    forged = StoredValueCard(card.process, b"x" * 32)
    with pytest.raises(CreditRefused):
        forged.credit(after, 100)
    assert card.balance == 2500


def test_recharge_books_the_money_then_writes_and_reads_back(tmp_path: Path) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=1234)
    journey, ledger, outbox, _ = make(tmp_path, card)
    journey.start()
    assert journey.state is RechargeState.INSERT_CASH
    pay(journey, 50, 20)
    assert journey.state is RechargeState.DONE
    assert card.balance == 1234 + 7000
    kinds = [r.kind for r in ledger.records()]
    assert kinds.index("payment_committed") < kinds.index("card_credit_written")
    assert outbox.status().pending == 1
    assert pending_credits(ledger.records()) == []


def test_a_write_whose_answer_is_lost_is_found_on_the_card_not_written_twice(
    tmp_path: Path,
) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=0)
    card.lose_next_reply = True
    journey, ledger, _, _ = make(tmp_path, card)
    journey.start()
    pay(journey, 100)
    assert journey.state is RechargeState.DONE
    assert card.balance == 10000 and card.counter == 1, "credited exactly once"
    written = [r.data for r in ledger.records() if r.kind == "card_credit_written"]
    assert written[0]["how"] == "verified_by_read_back"


def test_a_failed_write_is_retried_when_it_certainly_did_not_land(tmp_path: Path) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY)
    card.fail_next_write = True
    journey, _, _, _ = make(tmp_path, card)
    journey.start()
    pay(journey, 20)
    assert journey.state is RechargeState.DONE and card.balance == 2000


def test_card_pulled_out_after_the_notes_leaves_a_pending_credit_written_next_time(
    tmp_path: Path,
) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=100)
    journey, ledger, outbox, port = make(tmp_path, card)
    journey.start()
    card.fail_next_write = True
    original = port.read

    def card_gone(request_id: str) -> None:
        port.present = False
        original(request_id)

    port.read = card_gone  # type: ignore[method-assign]
    pay(journey, 50)
    assert journey.state is RechargeState.PENDING
    assert outbox.status().pending == 1, "the money is booked even though the card is not"
    assert len(pending_credits(ledger.records(), CARD_ID)) == 1
    assert card.balance == 100

    port.read, port.present = original, True  # type: ignore[method-assign]
    journey.start()  # the customer (or anyone) presents the card again
    assert card.balance == 100 + 5000
    assert pending_credits(ledger.records()) == []
    assert journey.state is RechargeState.INSERT_CASH, "then the new session goes on"


def test_recovery_flags_a_booked_credit_not_yet_on_the_card_once(tmp_path: Path) -> None:
    from kiosk.money.recovery import recover

    card = EmulatedStoredValueCard(CARD_ID, KEY)
    journey, ledger, _, port = make(tmp_path, card)
    journey.start()
    port.credit = lambda request_id, before, amount: None  # type: ignore[method-assign]
    pay(journey, 20)  # killed while the card is being written
    assert journey.state is RechargeState.WRITING
    first = recover(ledger)
    assert journey.session.session_id in first.flagged
    flags = [r.data["flag"] for r in ledger.records() if r.kind == "recovery"]
    assert flags.count("card_credit_pending") == 1
    recover(ledger)
    flags = [r.data["flag"] for r in ledger.records() if r.kind == "recovery"]
    assert flags.count("card_credit_pending") == 1, "flagged once, not at every start"


def test_every_state_has_a_screen_in_both_languages(tmp_path: Path) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=1234)
    journey, *_ = make(tmp_path, card)
    journey.start()
    for lang in ("zh_CN", "en"):
        journey.lang = lang
        model = journey.screen()
        assert model.amounts[0].amount == "¥12.34" and model.body
    pay(journey, 10)
    assert "balance" in " ".join(journey.screen().body)
    assert journey.screen().amounts[0].amount == "¥22.34", "the balance read back is shown"


def test_the_card_inserted_after_the_service_opened_is_read_and_coins_go_on_it(
    tmp_path: Path,
) -> None:
    from drivers.card_reader.base import CardInserted
    from drivers.coin.base import CoinCredited

    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=0)
    journey, ledger, _, port = make(tmp_path, card)
    port.present = False
    journey.start()
    assert journey.state is RechargeState.WAIT_CARD
    port.present = True
    journey.handle(CardInserted("card_reader", "3B"))  # the bank-card reader: not ours
    assert journey.state is RechargeState.WAIT_CARD
    journey.handle(CardInserted("ic_card", "3B"))
    assert journey.state is RechargeState.INSERT_CASH
    journey.handle(CoinCredited("coin", 3, 100, "CNY"))
    pay(journey, 10)
    assert journey.state is RechargeState.DONE and card.balance == 1100
    assert [r.kind for r in ledger.records()].count("coin_credited") == 1


def test_a_customer_who_walks_away_is_timed_out_and_their_cash_still_goes_on_the_card(
    tmp_path: Path,
) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=0)
    journey, _, _, _ = make(tmp_path, card)
    journey.start()
    journey.handle(NoteInEscrow("cash", 0, 2000, "CNY"))
    journey.handle(NoteCredited("cash", 0, 2000, "CNY"))
    journey.clock.advance(TimeoutConfig().insert_cash + 1)  # type: ignore[attr-defined]
    journey.tick()
    assert journey.state is RechargeState.DONE and card.balance == 2000
    journey.clock.advance(TimeoutConfig().result + 1)  # type: ignore[attr-defined]
    journey.tick()
    assert journey.state is RechargeState.CLOSED


def test_the_receipt_shows_the_balance_read_back_and_the_slip_the_pending_credit(
    tmp_path: Path,
) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=500)
    journey, _, _, _ = make(tmp_path, card)
    printer = journey.setup.printer
    journey.start()
    pay(journey, 20)
    receipt = printer.jobs[-1][1]  # type: ignore[attr-defined]
    assert receipt.kind == "ic_recharge" and receipt.source["card_id"] == CARD_ID
    card.fail_writes = 5
    journey.start()
    pay(journey, 10)
    assert journey.state is RechargeState.PENDING
    slip = printer.jobs[-1][1]  # type: ignore[attr-defined]
    assert slip.kind == "ic_pending" and slip.source["amount"] == "¥10.00"


def _print_answer(journey: IcCardRechargeJourney, printed: bool) -> None:
    from drivers.printer.base import PaperStatus, PrintResult
    from kiosk.journeys.ports import PrintFinished

    job_id = journey.setup.printer.jobs[-1][0]  # type: ignore[attr-defined]
    status = PaperStatus.READY if printed else PaperStatus.PAPER_OUT
    journey.handle(PrintFinished(job_id, PrintResult(printed, status)))


def test_the_printers_real_outcome_is_journaled_and_a_receipt_not_printed_becomes_a_qr(
    tmp_path: Path,
) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=500)
    journey, ledger, _, _ = make(tmp_path, card)
    journey.start()
    pay(journey, 20)
    assert journey.state is RechargeState.DONE and journey.screen().qr == ""
    _print_answer(journey, printed=True)
    printed = [r for r in ledger.records() if r.kind == "receipt_printed"]
    assert printed[0].data["receipt"]["kind"] == "ic_recharge", "what it said, for a reprint"
    assert printed[0].session_id == journey.session.session_id
    assert journey.screen().qr == ""

    journey.start()
    pay(journey, 10)
    _print_answer(journey, printed=False)
    assert [r.kind for r in ledger.records()].count("receipt_not_printed") == 1
    model = journey.screen()
    assert model.screen_id == "ic_done" and model.qr == journey.session.reference
    assert journey.session.reference in " ".join(model.body), "the reference is said, too"


def test_a_receipt_answer_after_the_next_customer_started_stays_with_its_session(
    tmp_path: Path,
) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=0)
    journey, ledger, _, _ = make(tmp_path, card)
    journey.start()
    pay(journey, 20)
    first = journey.session.session_id
    journey.handle(KeyPressed(Key.ENTER))  # the customer leaves before the printer answers
    journey.start()
    _print_answer(journey, printed=True)
    printed = [r for r in ledger.records() if r.kind == "receipt_printed"]
    assert [r.session_id for r in printed] == [first]


def test_an_acceptor_fault_ends_the_cash_step_and_what_is_in_goes_on_the_card(
    tmp_path: Path,
) -> None:
    from drivers.base import DeviceState
    from drivers.cash.base import AcceptorStateChanged

    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=0)
    journey, ledger, _, _ = make(tmp_path, card)
    journey.start()
    journey.handle(NoteInEscrow("cash", 0, 5000, "CNY"))
    journey.handle(NoteCredited("cash", 0, 5000, "CNY"))
    journey.handle(AcceptorStateChanged("cash", DeviceState.HARDWARE_ERROR, "jam"))
    assert journey.state is RechargeState.DONE and card.balance == 5000
    kinds = [r.kind for r in ledger.records()]
    assert kinds.index("acceptor_fault") < kinds.index("payment_committed")
    assert kinds.index("payment_committed") < kinds.index("card_credit_written")


def test_cancel_with_nothing_inserted_closes_without_booking_and_notes_outside_are_refused(
    tmp_path: Path,
) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=0)
    journey, ledger, outbox, _ = make(tmp_path, card)
    cash = journey.setup.cash
    journey.start()
    assert journey.screen().screen_id == "ic_insert_cash"
    journey.handle(KeyPressed(Key.CANCEL))
    assert journey.state is RechargeState.CLOSED
    assert cash.names()[-1] == "disable"  # type: ignore[attr-defined]
    kinds = [r.kind for r in ledger.records()]
    assert "cash_session_closed" in kinds and "payment_committed" not in kinds
    assert outbox.status().pending == 0
    journey.handle(NoteInEscrow("cash", 0, 2000, "CNY"))  # no cash step open: it goes back
    assert cash.names()[-1] == "reject_escrow"  # type: ignore[attr-defined]
    assert [r.kind for r in ledger.records()][-1] == "note_escrow_rejected"


def test_the_insert_screen_counts_down_before_the_timeout_longer_in_voice_mode(
    tmp_path: Path,
) -> None:
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=0)
    journey, *_ = make(tmp_path, card)
    journey.timeout_factor = 2.0
    journey.start()
    timeouts = TimeoutConfig()
    journey.clock.advance(timeouts.insert_cash * 2 - timeouts.warning + 1)  # type: ignore[attr-defined]
    journey.tick()
    model = journey.screen()
    assert model.screen_id == "ic_insert_cash" and model.countdown is not None
    assert model.amounts[0].label == "Card balance", "the balance stays on top"
    journey.clock.advance(timeouts.warning)  # type: ignore[attr-defined]
    journey.tick()
    assert journey.state is RechargeState.CLOSED


def test_a_card_already_in_the_slot_is_found_when_the_first_read_came_back_empty(
    tmp_path: Path,
) -> None:
    """A read answered 'no card' (the reader busy with another session) is asked again: the
    customer whose card is already in the slot is not left waiting for an insert that never
    comes."""
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=500)
    journey, _, _, _ = make(tmp_path, card)
    port = journey.setup.card
    port.present = False  # type: ignore[attr-defined]
    journey.start()
    assert journey.state is RechargeState.WAIT_CARD
    port.present = True  # type: ignore[attr-defined]  # it was there all along
    journey.clock.advance(1.5)  # type: ignore[attr-defined]
    journey.tick()
    assert journey.state is RechargeState.INSERT_CASH
