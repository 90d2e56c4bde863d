"""Cashbox exchange: booked vs counted, discrepancy journaled, one queued transaction, report."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from drivers.printer.base import PaperStatus, PrinterCapabilities, PrintResult
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.escpos_printer import EscposPrinter
from kiosk.events import Key
from kiosk.journeys.ports import PrintFinished
from kiosk.money.amount import Money
from kiosk.money.cash.counters import cashbox_counts
from kiosk.runtime.adapters import PrinterAdapter
from kiosk.runtime.worker import Worker
from kiosk.technician.cashbox_exchange import ExchangeState
from tests.kiosk.technician.tech_rig import PIN, TechRig, make_tech


def stack(rig: TechRig, *values: str) -> None:
    """Notes the customer journeys stacked since the last exchange, as the journal has them."""
    for value in values:
        money = Money(Decimal(value), "CNY")
        rig.base.ledger.record("customer", "note_stacked", {"value": money.wire()})


def enter(rig: TechRig) -> None:
    rig.hidden_sequence()
    rig.press(*PIN, Key.ENTER)
    rig.press("3")
    assert rig.screen().screen_id == "tech_cashbox_review"


def queued(rig: TechRig) -> list[dict]:
    return [e.payload for e in rig.base.outbox.due_batch(50)]


@pytest.fixture
def printing(tmp_path: Path) -> Iterator[tuple[TechRig, PrinterEmulator]]:
    """The rig with the real printer path: python-escpos over a pty to the ESC/POS emulator."""
    emulator = PrinterEmulator(tmp_path / "receipts")
    printer = EscposPrinter("printer", emulator.start(), PrinterCapabilities(48, 576))
    worker = Worker("printer")
    worker.start()
    holder: list[TechRig] = []
    try:
        rig = make_tech(tmp_path, printer=_late_adapter(printer, worker, holder))
        holder.append(rig)
        yield rig, emulator
    finally:
        worker.stop()
        printer.close()
        emulator.stop()


def _late_adapter(printer: EscposPrinter, worker: Worker, holder: list[TechRig]) -> PrinterAdapter:
    class Bus:  # the rig's bus exists only once the rig is built
        def publish(self, event: object) -> None:
            holder[0].bus.publish(event)

    return PrinterAdapter(printer, Bus(), worker)  # type: ignore[arg-type]


def wait_printed(rig: TechRig, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while rig.mode.cashbox.state is ExchangeState.PRINTING and time.monotonic() < deadline:
        time.sleep(0.02)
        rig.pump()


def test_exchange_without_discrepancy_queues_resets_and_prints(
    printing: tuple[TechRig, PrinterEmulator],
) -> None:
    rig, emulator = printing
    stack(rig, "100", "100", "100", "50")
    enter(rig)
    review = rig.screen()
    rows = {a.label: a.amount for a in review.amounts}
    assert rows["¥100.00"] == "3 / 3" and rows["¥50.00"] == "1 / 1"
    assert "¥20.00" not in rows  # no note of it booked or counted
    assert review.message == ""  # nothing to warn about yet
    rig.press("1")
    assert rig.screen().screen_id == "tech_cashbox_printing"
    wait_printed(rig)
    done = rig.screen()
    assert done.screen_id == "tech_cashbox_done" and done.message == "Settlement report printed"

    [txn] = queued(rig)
    assert txn["type"] == "cashbox_exchange"
    assert txn["amount"] == "350.00" and txn["currency"] == "CNY"
    assert txn["tender"] == {"type": "cash", "notes": {"100.00": 3, "50.00": 1}}
    assert txn["details"]["discrepancy"] is False
    kinds = rig.base.kinds()
    assert "cashbox_exchange" in kinds and "cashbox_discrepancy" not in kinds
    exchange = rig.base.ledger.records(txn_id=txn["txn_id"])
    assert [r.kind for r in exchange] == ["cashbox_exchange"]  # journal + outbox, one txn
    assert cashbox_counts(rig.base.ledger, "CNY").notes == {}  # the counters restart at zero
    assert rig.base.sync.wakes >= 1

    [report] = emulator.wait_for_receipts(1)
    text = "\n".join(report.lines)
    assert "Cashbox settlement" in text and "Counts match the books" in text
    assert "3 / 3 / 0" in text and "keypad" in text and txn["txn_id"] in text
    assert report.png_path.exists()
    actions = [(a["what"], a["result"]) for a in rig.actions()]
    assert actions[-3:] == [
        ("cashbox_exchange", "started"),
        ("cashbox_exchange", "committed"),
        ("settlement_report", "printed"),
    ]
    rig.press(Key.ENTER)
    assert rig.screen().screen_id == "tech_menu"


def test_counted_notes_that_differ_are_journaled_as_a_discrepancy(tmp_path: Path) -> None:
    rig = make_tech(tmp_path)
    stack(rig, "100", "100", "100", "50")
    enter(rig)
    rig.press("2")
    first = rig.screen()
    assert first.screen_id == "tech_cashbox_count" and first.input is not None
    assert first.input.label == "Notes of ¥100.00 counted"
    assert first.body == ("¥100.00: booked 3, counted 3",)
    rig.press("2", Key.ENTER)  # ¥100: two, not three
    rig.press(Key.ENTER)  # ¥50: as booked
    rig.press("1", Key.ENTER)  # ¥20: one nobody booked
    rig.press(Key.ENTER)  # ¥10: none
    review = rig.screen()
    assert review.screen_id == "tech_cashbox_review"
    assert review.message == "The count differs from the books: the difference will be journaled"
    values = {a.label: a.amount for a in review.amounts}
    assert values == {
        "¥100.00": "3 / 2",
        "¥50.00": "1 / 1",
        "¥20.00": "0 / 1",
        "Total: booked / counted": "¥350.00 / ¥270.00",
        "Difference": "-¥80.00",
    }
    rig.press("1")
    [discrepancy] = [r for r in rig.base.ledger.records() if r.kind == "cashbox_discrepancy"]
    assert discrepancy.data["differences"] == {"100.00": -1, "20.00": 1}
    assert discrepancy.data["difference_total"] == {"amount": "-80.00", "currency": "CNY"}
    assert discrepancy.data["technician"] == "keypad"
    [txn] = queued(rig)
    assert txn["amount"] == "270.00" and txn["details"]["discrepancy"] is True
    assert txn["tender"]["notes"] == {"100.00": 2, "50.00": 1, "20.00": 1}
    job_id, document, _ = rig.base.printer.jobs[-1]
    assert document.kind == "settlement_report"
    assert document.source["difference_total"] == "-¥80.00"
    rig.event(PrintFinished(job_id, PrintResult(False, PaperStatus.PAPER_OUT)))
    done = rig.screen()
    assert done.message.startswith("The settlement report could not be printed")
    assert rig.actions()[-1]["result"] == "print_failed"


def test_cancelled_exchange_changes_nothing(tmp_path: Path) -> None:
    rig = make_tech(tmp_path)
    stack(rig, "20")
    enter(rig)
    rig.press("2", "5", Key.CANCEL)  # leave the count screen, then the exchange
    assert rig.screen().screen_id == "tech_cashbox_review"
    rig.press(Key.CANCEL)
    assert rig.screen().screen_id == "tech_menu"
    assert queued(rig) == [] and "cashbox_exchange" not in rig.base.kinds()
    assert cashbox_counts(rig.base.ledger, "CNY").notes == {"20.00": 1}
    assert rig.actions()[-1]["result"] == "cancelled"


def test_the_coin_box_emptied_on_the_same_visit_is_recorded_and_reported(
    printing: tuple[TechRig, PrinterEmulator],
) -> None:
    rig, emulator = printing
    stack(rig, "100")
    for value in ("1", "1", "0.5"):
        money = Money(Decimal(value), "CNY")
        rig.base.ledger.record("customer", "coin_credited", {"value": money.wire()})
    enter(rig)
    rig.press("1")
    wait_printed(rig)
    [txn] = queued(rig)
    assert txn["details"]["coins_removed"] == {"1.00": 2, "0.50": 1}
    assert txn["details"]["coins_total"] == {"amount": "2.50", "currency": "CNY"}
    assert cashbox_counts(rig.base.ledger, "CNY").coins == {}  # the coin counters restart too
    [report] = emulator.wait_for_receipts(1)
    assert "Coin box removed (booked)" in "\n".join(report.lines)
    assert "¥2.50" in "\n".join(report.lines)
