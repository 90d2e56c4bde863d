"""The honest printer flow: warned before paying, never told "printed" without a confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.printer.base import PaperStatus, PrintResult
from kiosk.events import Key
from kiosk.journeys.bill_payment import State
from kiosk.journeys.ports import PrintFinished
from offline_queue.events import TransactionAccepted
from tests.kiosk.journey_fixtures import Rig, make_rig


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return make_rig(tmp_path)


def _pay(rig: Rig) -> None:
    rig.note(100)
    rig.note(50)
    rig.press(Key.ENTER)


def _receipt_records(rig: Rig) -> list[dict]:
    return [r.data for r in rig.ledger.records() if r.kind.startswith("receipt_")]


@pytest.mark.parametrize("status", [PaperStatus.PAPER_OUT, PaperStatus.COVER_OPEN])
def test_printer_fault_is_told_before_any_money_and_receipt_goes_on_screen(
    rig: Rig, status: PaperStatus
) -> None:
    rig.printer.status = status
    j = rig.journey
    rig.to_insert_cash()
    assert rig.printer.refreshes == 1  # the live status was asked for when the session began
    assert j.state is State.PRINTER_WARNING
    assert rig.cash.names() == []  # the acceptor was never enabled: no money taken yet
    warning = j.screen()
    assert "cannot be printed" in " ".join(warning.visible_texts())
    assert [c.key for c in warning.choices] == ["1"]

    rig.press("1")
    assert j.state is State.INSERT_CASH and rig.cash.names() == ["enable"]
    _pay(rig)
    assert rig.printer.jobs == []  # nothing sent to a printer that cannot print
    j.handle(TransactionAccepted(j.session.txn_id, "CR1", False))
    assert j.state is State.THANK_YOU
    screen = j.screen()
    texts = " ".join(screen.visible_texts())
    assert screen.qr == j.session.reference
    assert "On-screen receipt" in texts and j.session.reference in texts
    assert "Please take your receipt" not in texts
    [record] = _receipt_records(rig)
    assert record["status"] == "onscreen"
    assert record["receipt"]["data"]["paid"] == "¥150.00"  # kept for a reprint later


def test_cancel_at_the_printer_warning_takes_no_money(rig: Rig) -> None:
    rig.printer.status = PaperStatus.OFFLINE
    rig.to_insert_cash()
    rig.press(Key.CANCEL)
    assert rig.journey.state is State.ATTRACT
    assert rig.cash.names() == []


def test_paper_out_mid_receipt_shows_reprint_code_and_is_journaled(rig: Rig) -> None:
    j = rig.journey
    rig.to_insert_cash()
    _pay(rig)
    job_id = rig.printer.jobs[-1][0]
    result = PrintResult(False, PaperStatus.PAPER_OUT, "incomplete: paper out", incomplete=True)
    j.handle(PrintFinished(job_id, result))
    j.handle(TransactionAccepted(j.session.txn_id, "CR1", False))
    screen = j.screen()
    texts = " ".join(screen.visible_texts())
    assert "not printed completely" in texts and f"Reprint code: {j.session.reference}" in texts
    assert screen.qr == j.session.reference
    assert "Please take your receipt" not in texts
    [record] = _receipt_records(rig)
    assert record["incomplete"] is True and record["reprint_code"] == j.session.reference
    assert record["receipt"]["kind"] == "bill_payment"


def test_confirmed_print_says_take_receipt_and_shows_no_qr(rig: Rig) -> None:
    j = rig.journey
    rig.to_insert_cash()
    _pay(rig)
    rig.finish_print(printed=True)
    j.handle(TransactionAccepted(j.session.txn_id, "CR1", False))
    screen = j.screen()
    assert "Please take your receipt" in screen.visible_texts()
    assert screen.qr == ""


def test_printer_silent_until_timeout_is_incomplete_not_printed(rig: Rig) -> None:
    j = rig.journey
    rig.to_insert_cash()
    _pay(rig)
    rig.clock.advance(j.timeouts.print_job + 1)
    j.tick()
    assert j.session.printed is False and j.session.receipt_incomplete
    assert "Please take your receipt" not in " ".join(j.screen().visible_texts())
