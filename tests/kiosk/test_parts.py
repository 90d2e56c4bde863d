"""The shared journey parts on their own, driven by keys, device events and the fake clock.

Each part is what a customer meets in every journey that uses it: the same controls on every
keypad entry, the same money rules for every cash tender, the same honesty about a receipt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited
from drivers.printer.base import PaperStatus, PrintResult
from drivers.printer.document import Document, Text
from kiosk.clock import FakeClock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import load_catalog
from kiosk.journeys.parts.base import PartContext
from kiosk.journeys.parts.keypad_entry import (
    Entered,
    EntryCancelled,
    EntryKind,
    EntrySpec,
    EntryTimedOut,
    KeypadEntry,
)
from kiosk.journeys.parts.receipt_step import ReceiptDone, ReceiptStep
from kiosk.journeys.parts.steps import StepRunner, TransitionError
from kiosk.journeys.parts.tender import Tender, TenderDone, TenderState
from kiosk.journeys.parts.tender_spec import TenderSpec
from kiosk.journeys.ports import PrintFinished
from kiosk.runtime.config import TimeoutConfig
from tests.kiosk.journey_fixtures import ELECTRICITY, FakeCash, FakePrinter, cny

TIMEOUTS = TimeoutConfig()


@dataclass
class Harness:
    """A parent with a journal of its own: records what the part journaled and reported."""

    clock: FakeClock = field(default_factory=FakeClock)
    lang: str = "en"
    factor: float = 1.0
    journal: list[tuple[str, dict]] = field(default_factory=list)
    outcomes: list[object] = field(default_factory=list)

    def ctx(self) -> PartContext:
        return PartContext(
            load_catalog(),
            self.clock,
            TIMEOUTS,
            lambda kind, **data: self.journal.append((kind, data)),
            lambda: self.lang,
            lambda: self.factor,
        )

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.journal]


def press(part: object, *keys: str) -> None:
    for key in keys:
        part.handle(KeyPressed(Key(key)))  # type: ignore[attr-defined]


ACCOUNT = EntrySpec(
    kind=EntryKind.ACCOUNT,
    screen_id="enter_account",
    title_id="account_title",
    label_id="account_label",
    hint_id="account_hint",
    invalid_id="account_invalid",
    max_length=10,
    valid=ELECTRICITY.account_valid,
    title_values=lambda: {"biller": "State Grid"},
)


# -- KeypadEntry ---------------------------------------------------------------------------


def test_keypad_entry_has_the_same_controls_on_every_entry_screen() -> None:
    h = Harness()
    entry = KeypadEntry(h.ctx(), ACCOUNT, h.outcomes.append)
    press(entry, "1", "2", "3")
    screen = entry.screen()
    assert screen.input is not None and screen.input.value == "123"
    assert screen.input.hint == "Press Continue when done, Clear to delete"
    assert (screen.enter_label, screen.clear_label, screen.cancel_label) == (
        "Continue",
        "Clear",
        "Cancel",
    )
    assert screen.title == "Enter your State Grid account number"


def test_keypad_entry_clear_deletes_the_last_digit_and_the_length_is_capped() -> None:
    h = Harness()
    entry = KeypadEntry(h.ctx(), ACCOUNT, h.outcomes.append)
    press(entry, *"123456789012")
    assert entry.value == "1234567890"
    press(entry, "clear")
    assert entry.value == "123456789"


def test_a_refused_number_is_told_on_this_screen_only_until_the_next_key() -> None:
    h = Harness()
    entry = KeypadEntry(h.ctx(), ACCOUNT, h.outcomes.append)
    press(entry, "1", "2", "enter")
    assert h.outcomes == []
    assert "not valid" in entry.screen().message
    press(entry, "3")
    assert entry.screen().message == ""


def test_keypad_entry_reports_one_outcome_entered_or_cancelled() -> None:
    h = Harness()
    entry = KeypadEntry(h.ctx(), ACCOUNT, h.outcomes.append)
    press(entry, *"1234567890", "enter")
    assert h.outcomes == [Entered("1234567890")]
    assert not entry.handle(KeyPressed(Key.D1)), "a spent part takes nothing"
    h2 = Harness()
    KeypadEntry(h2.ctx(), ACCOUNT, h2.outcomes.append).handle(KeyPressed(Key.CANCEL))
    assert h2.outcomes == [EntryCancelled()]


def test_keypad_entry_counts_down_then_times_out_and_voice_mode_gets_longer() -> None:
    h = Harness(factor=2.0)
    entry = KeypadEntry(h.ctx(), ACCOUNT, h.outcomes.append)
    h.clock.advance(TIMEOUTS.input * 2 - TIMEOUTS.warning + 1)
    entry.tick()
    screen = entry.screen()
    assert screen.countdown is not None and screen.countdown <= TIMEOUTS.warning
    assert "seconds" in screen.countdown_text
    press(entry, "5")  # any key is activity: the full time again
    assert entry.screen().countdown is None
    h.clock.advance(TIMEOUTS.input * 2 + 1)
    entry.tick()
    assert h.outcomes == [EntryTimedOut()]


def test_keypad_entry_reads_the_language_at_each_screen() -> None:
    h = Harness()
    entry = KeypadEntry(h.ctx(), ACCOUNT, h.outcomes.append)
    h.lang = "zh_CN"
    assert entry.screen().cancel_label == "取消" and entry.screen().lang == "zh_CN"


# -- Tender --------------------------------------------------------------------------------


class TenderRig:
    def __init__(
        self, tmp_path: Path, *, due: str | None = "125.50", biller=ELECTRICITY, **spec: object
    ) -> None:
        from kiosk.money.ledger import Ledger
        from offline_queue.db import make_engine
        from offline_queue.outbox import Outbox

        self.h = Harness()
        engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
        outbox = Outbox(engine, "kiosk-test", self.h.clock)
        outbox.create_schema()
        ledger = Ledger(engine, outbox, self.h.clock)
        ledger.create_schema()
        self.cash = FakeCash(ledger)
        screen_ids = {s: s.value for s in TenderState}
        self.spec = TenderSpec(
            biller=biller,
            due=cny(due) if due is not None else None,
            screen_ids=screen_ids,
            lines=lambda: ("for 1234567890",),
            **spec,  # type: ignore[arg-type]
        )
        self.tender = Tender(
            self.h.ctx(), self.spec, cash=self.cash, currency="CNY", on_done=self.h.outcomes.append
        )
        self.tender.start(biller="SGCC", account="1234567890")

    def escrow(self, yuan: int) -> None:
        self.tender.handle(NoteInEscrow("cash", 0, yuan * 100, "CNY"))

    def stack(self, yuan: int) -> None:
        self.tender.handle(NoteCredited("cash", 0, yuan * 100, "CNY"))

    def note(self, yuan: int) -> None:
        self.escrow(yuan)
        if self.cash.names()[-1] == "accept_escrow":
            self.stack(yuan)


def test_tender_journals_the_session_before_enabling_the_acceptor(tmp_path: Path) -> None:
    rig = TenderRig(tmp_path)
    assert rig.h.kinds() == ["cash_session_opened"] and rig.cash.names() == ["enable"]
    screen = rig.tender.screen()
    assert any("no change" in line.lower() for line in screen.body), "overpay rule told first"
    assert [a.amount for a in screen.amounts] == ["¥125.50", "¥0.00", "¥125.50"]


def test_tender_reaching_the_amount_asks_to_confirm_then_reports_paid(tmp_path: Path) -> None:
    rig = TenderRig(tmp_path)
    rig.note(100)
    rig.note(50)
    assert rig.tender.state is TenderState.CONFIRM and rig.cash.names()[-1] == "disable"
    assert rig.tender.screen().enter_label == "Confirm payment"
    press(rig.tender, "enter")
    [done] = rig.h.outcomes
    assert isinstance(done, TenderDone) and done.complete and done.total == cny("150.00")


def test_cancel_with_a_note_in_transit_waits_for_it_then_reports_all_of_it(
    tmp_path: Path,
) -> None:
    rig = TenderRig(tmp_path)
    rig.note(20)
    rig.escrow(50)  # accepted, stacking
    press(rig.tender, "cancel")
    assert rig.tender.state is TenderState.SETTLING and rig.h.outcomes == []
    rig.stack(50)
    [done] = rig.h.outcomes
    assert isinstance(done, TenderDone) and not done.complete
    assert (done.reason, done.total) == ("cancelled", cny("70.00"))


def test_a_note_the_acceptor_never_confirms_is_left_to_recovery(tmp_path: Path) -> None:
    rig = TenderRig(tmp_path)
    rig.escrow(50)
    press(rig.tender, "cancel")
    rig.h.clock.advance(TIMEOUTS.settle_note + 1)
    rig.tender.tick()
    assert "note_unresolved" in rig.h.kinds()
    [done] = rig.h.outcomes
    assert isinstance(done, TenderDone) and done.total.is_zero()


def test_with_consent_an_overpaying_note_is_held_until_the_customer_agrees(
    tmp_path: Path,
) -> None:
    rig = TenderRig(tmp_path, overpay_consent=True)
    rig.note(100)
    rig.escrow(50)  # 150 for 125.50: 24.50 prepayment
    assert rig.cash.names().count("accept_escrow") == 1, "held, not stacked"
    assert "24.50" in " ".join(rig.tender.screen().body)
    press(rig.tender, "cancel")  # no: the note comes back, the session goes on
    assert rig.cash.names()[-1] == "reject_escrow" and rig.h.outcomes == []


def test_coins_count_at_confirm_and_a_fault_with_cash_in_settles(tmp_path: Path) -> None:
    rig = TenderRig(tmp_path)
    rig.note(100)
    rig.tender.handle(CoinCredited("coin", 1, 100, "CNY", 7))
    rig.tender.handle(AcceptorStateChanged("cash", DeviceState.HARDWARE_ERROR, "jam"))
    [done] = rig.h.outcomes
    assert isinstance(done, TenderDone) and done.reason == "device_fault"
    assert done.total == cny("101.00") and done.tally.tender()["coins"] == {"1.00": 1}


def test_a_part_payment_below_the_billers_minimum_is_refused_before_it_is_booked(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    biller = replace(ELECTRICITY, partial_allowed=True, min_amount=cny("10.00"))
    rig = TenderRig(tmp_path, biller=biller)
    rig.tender.handle(CoinCredited("coin", 1, 100, "CNY", 1))
    press(rig.tender, "enter")
    assert rig.tender.state is TenderState.INSERT and rig.h.outcomes == []
    assert "at least ¥10.00" in rig.tender.screen().message
    rig.note(10)
    press(rig.tender, "enter")
    assert rig.tender.state is TenderState.CONFIRM


def test_a_note_returned_is_said_on_the_insert_screen(tmp_path: Path) -> None:
    rig = TenderRig(tmp_path)
    rig.tender.handle(NoteReturned("cash", "rejected"))
    assert rig.tender.screen().message


def test_an_open_amount_enter_pays_what_is_in_and_timeout_settles(tmp_path: Path) -> None:
    rig = TenderRig(tmp_path, due=None, confirm=False, enter_id="topup_confirm_button")
    assert rig.tender.screen().enter_label == "", "nothing to top up yet"
    rig.note(20)
    assert rig.tender.screen().enter_label == "Top up now"
    press(rig.tender, "enter")
    [done] = rig.h.outcomes
    assert isinstance(done, TenderDone) and done.complete and done.total == cny("20.00")
    rig2 = TenderRig(tmp_path / "b", due=None, confirm=False)
    rig2.note(10)
    rig2.h.clock.advance(TIMEOUTS.insert_cash + 1)
    rig2.tender.tick()
    [late] = rig2.h.outcomes
    assert isinstance(late, TenderDone) and late.reason == "timeout" and not late.complete


# -- ReceiptStep ---------------------------------------------------------------------------

DOC = Document("payment", "kiosk-test-000001", (Text("paid"),), source={"amount": "1"})


def _receipt(h: Harness, printer: FakePrinter, *, paper: bool = True) -> ReceiptStep:
    return ReceiptStep(
        h.ctx(),
        printer=printer,
        document=DOC,
        screen_id="printing_receipt",
        on_done=h.outcomes.append,
        paper=paper,
    )


@pytest.fixture()
def printer(tmp_path: Path) -> FakePrinter:
    from offline_queue.db import make_engine
    from offline_queue.outbox import Outbox

    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    outbox = Outbox(engine, "kiosk-test", FakeClock())
    outbox.create_schema()
    return FakePrinter(outbox)


def test_printed_is_only_what_the_printer_confirmed(printer: FakePrinter) -> None:
    h = Harness()
    step = _receipt(h, printer)
    step.start()
    assert step.screen().busy and h.outcomes == []
    job = printer.jobs[0][0]
    step.handle(PrintFinished(job, PrintResult(False, PaperStatus.PAPER_OUT, incomplete=True)))
    [done] = h.outcomes
    assert done == ReceiptDone(printed=False, incomplete=True)
    kind, data = h.journal[-1]
    assert kind == "receipt_not_printed" and data["reprint_code"] == "kiosk-test-000001"
    assert data["receipt"]["reference"] == "kiosk-test-000001", "journaled for a reprint"
    assert done.qr("kiosk-test-000001") == "kiosk-test-000001"
    assert "kiosk-test-000001" in done.line(h.ctx(), "thanks_receipt", "kiosk-test-000001")


def test_a_silent_printer_is_a_receipt_that_may_be_half_out(printer: FakePrinter) -> None:
    h = Harness()
    step = _receipt(h, printer)
    step.start()
    h.clock.advance(TIMEOUTS.print_job + 1)
    step.tick()
    assert h.outcomes == [ReceiptDone(printed=False, incomplete=True)]
    job = printer.jobs[0][0]
    assert step.handle(PrintFinished(job, PrintResult(True, PaperStatus.READY)))
    assert len(h.outcomes) == 1, "a late answer changes nothing"


def test_no_paper_told_up_front_gives_the_onscreen_receipt_without_printing(
    printer: FakePrinter,
) -> None:
    h = Harness()
    _receipt(h, printer, paper=False).start()
    assert printer.jobs == [] and h.outcomes == [ReceiptDone(printed=False, onscreen=True)]
    done = h.outcomes[0]
    assert isinstance(done, ReceiptDone) and "QR" in done.line(h.ctx(), "thanks_receipt", "R-1")


def test_a_confirmed_receipt_says_take_it(printer: FakePrinter) -> None:
    h = Harness()
    step = _receipt(h, printer)
    step.start()
    step.handle(PrintFinished(printer.jobs[0][0], PrintResult(True, PaperStatus.READY)))
    [done] = h.outcomes
    assert isinstance(done, ReceiptDone) and done.printed and done.qr("R-1") == ""
    assert h.journal[-1][0] == "receipt_printed"


# -- StepRunner ----------------------------------------------------------------------------


def test_step_runner_refuses_a_move_its_table_does_not_allow() -> None:
    from enum import Enum

    class S(str, Enum):
        A = "a"
        B = "b"

    clock = FakeClock()
    runner = StepRunner(
        name="t",
        clock=clock,
        initial=S.A,
        transitions={S.A: frozenset({S.B}), S.B: frozenset()},
        customer_steps=frozenset({S.B}),
        factor=lambda: 3.0,
    )
    runner.go(S.B, 10.0)
    assert runner.seconds_left() == 30.0, "a customer step is longer in voice mode"
    with pytest.raises(TransitionError):
        runner.go(S.A)
    fired: list[bool] = []
    clock.advance(31)
    runner.tick(lambda: fired.append(True))
    assert fired == [True]
