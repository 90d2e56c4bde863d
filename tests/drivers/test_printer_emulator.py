"""The driver and the emulator over a real pty: what a customer gets and a technician sees."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from drivers.base import DeviceState
from drivers.printer.base import PaperStatus, PrinterCapabilities
from drivers.printer.document import Align, Columns, Document, QrCode, Separator, Text
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.escpos_encoder import encode_document, text_width
from drivers.printer.escpos_printer import EscposPrinter
from drivers.transport.pty_pair import PtyPair

CAPS = PrinterCapabilities(columns=48, width_dots=576)
BILL = Document(
    kind="bill_payment",
    reference="PAY-20261123-0042",
    blocks=(
        Text("国家电网 State Grid", align=Align.CENTER, bold=True, double=True),
        Separator(),
        Columns("电费 Electricity", "¥125.50"),
        Columns("合计 Total", "¥125.50", bold=True),
        QrCode("PAY-20261123-0042"),
    ),
)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[PrinterEmulator]:
    emu = PrinterEmulator(tmp_path / "receipts")
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def printer(emulator: PrinterEmulator) -> Iterator[EscposPrinter]:
    assert emulator.slave_path is not None
    drv = EscposPrinter("printer-1", emulator.slave_path, CAPS)
    drv.open()
    yield drv
    drv.close()


def test_bill_receipt_prints_chinese_amount_and_qr(
    emulator: PrinterEmulator, printer: EscposPrinter
) -> None:
    result = printer.print_document(BILL)
    assert result.printed and result.status is PaperStatus.READY
    [receipt] = emulator.wait_for_receipts(1)
    assert any("国家电网" in line for line in receipt.lines)
    amount_lines = [line for line in receipt.lines if line.endswith("¥125.50")]
    assert len(amount_lines) == 2 and all(text_width(x) == 48 for x in amount_lines)
    assert receipt.qr_data == ["PAY-20261123-0042"]
    image = Image.open(receipt.png_path)
    assert image.width == 576
    assert image.convert("L").getextrema()[0] < 64  # there is ink on the paper
    assert printer.health().counters["receipts_printed"] == 1


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("ready", PaperStatus.READY),
        ("near_end", PaperStatus.PAPER_NEAR_END),
        ("out", PaperStatus.PAPER_OUT),
        ("cover_open", PaperStatus.COVER_OPEN),
        ("cutter_error", PaperStatus.CUTTER_ERROR),
        ("offline", PaperStatus.OFFLINE),
    ],
)
def test_status_is_reported_quickly_for_every_paper_state(
    emulator: PrinterEmulator, printer: EscposPrinter, state: str, expected: PaperStatus
) -> None:
    emulator.set_paper(state)
    started = time.monotonic()
    assert printer.status() is expected
    assert time.monotonic() - started < 1.0  # the kiosk UI never waits on a dead printer
    assert printer.health().supplies["paper"] == expected.value


def test_near_end_still_prints(emulator: PrinterEmulator, printer: EscposPrinter) -> None:
    emulator.set_paper("near_end")
    result = printer.print_document(BILL)
    assert result.printed and result.status is PaperStatus.PAPER_NEAR_END


def test_paper_out_prints_nothing_and_claims_nothing(
    emulator: PrinterEmulator, printer: EscposPrinter
) -> None:
    emulator.set_paper("out")
    result = printer.print_document(BILL)
    assert not result.printed and result.status is PaperStatus.PAPER_OUT
    assert emulator.wait_for_receipts(1, timeout=0.3) == []
    health = printer.health()
    assert health.state is DeviceState.USER_ERROR
    assert health.counters == {"receipts_printed": 0, "print_failures": 1}


def test_paper_running_out_mid_receipt_is_not_claimed(
    emulator: PrinterEmulator, printer: EscposPrinter
) -> None:
    emulator.out_after_lines = 2
    result = printer.print_document(BILL)
    assert not result.printed and result.status is PaperStatus.PAPER_OUT
    [receipt] = emulator.wait_for_receipts(1)
    assert receipt.truncated and len(receipt.lines) == 2


def test_offline_printer_is_not_printed_to(
    emulator: PrinterEmulator, printer: EscposPrinter
) -> None:
    emulator.set_paper("offline")
    result = printer.print_document(BILL)
    assert not result.printed and result.status is PaperStatus.OFFLINE
    assert "PRINTER_OFFLINE" in result.detail
    emulator.set_paper("ready")
    assert printer.print_document(BILL).printed  # and it recovers when the printer is back


def test_emulator_survives_garbage_then_prints_normally(
    emulator: PrinterEmulator, printer: EscposPrinter
) -> None:
    assert emulator.slave_path is not None
    with serial.Serial(emulator.slave_path, timeout=0.2) as port:
        port.write(b"\xff\x80\x1bZ\x1d\x99\x1c\x7f\x10\x05\x07\x1b*\x00\x02\x00\xaa\xaa\x1d")
        port.flush()
    time.sleep(0.05)
    assert printer.print_document(BILL).printed
    [receipt] = emulator.wait_for_receipts(1)
    assert any("国家电网" in line for line in receipt.lines)
    assert emulator.unknown  # the garbage was noticed, not silently printed as commands


def test_commands_split_across_reads_print_the_same(tmp_path: Path) -> None:
    data = encode_document(BILL, CAPS)
    whole, trickle = PrinterEmulator(tmp_path / "a"), PrinterEmulator(tmp_path / "b")
    whole.feed(data)
    for i in range(len(data)):
        trickle.feed(data[i : i + 1])
    assert trickle.receipts[0].lines == whole.receipts[0].lines
    assert trickle.receipts[0].qr_data == ["PAY-20261123-0042"]


@settings(max_examples=150, deadline=None)
@given(noise=st.binary(max_size=200))
def test_emulator_never_crashes_on_arbitrary_bytes(noise: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        emu = PrinterEmulator(Path(tmp))
        emu.feed(noise)
        emu.feed(b"\x1b@" * 3 + b"ok\n")  # still parsing afterwards


def test_garbage_status_answer_is_offline_not_a_crash() -> None:
    with PtyPair() as pair:
        stop = threading.Event()

        def answer_garbage() -> None:
            while not stop.is_set():
                if pair.read(16, 0.05):
                    pair.write(b"\xff")

        thread = threading.Thread(target=answer_garbage, daemon=True)
        thread.start()
        drv = EscposPrinter("printer-1", pair.slave_path, CAPS)
        try:
            assert drv.status() is PaperStatus.OFFLINE
            assert "PRINTER_BAD_STATUS" in drv.health().detail
        finally:
            drv.close()
            stop.set()
            thread.join()
