"""Every fault state before, during and after a job, over a real pty and over TCP 9100.

"Before": the printer is told nothing and nothing is claimed. "During": the fault is injected
after N printed lines; the receipt must come back not printed and incomplete, and the driver
must clear the printer's buffer so the rest does not print later. "After": the job was
confirmed, then the fault appears; the receipt stands and the next status read shows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.printer.base import PaperStatus, PrinterCapabilities
from drivers.printer.document import Align, Columns, Document, QrCode, Text
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.emulator_tcp import TcpPrinterServer
from drivers.printer.escpos_encoder import encode_document
from drivers.printer.escpos_printer import EscposPrinter
from drivers.printer.links import FileLink, NetworkLink

CAPS = PrinterCapabilities(columns=48, width_dots=576)
DOC = Document(
    kind="bill_payment",
    reference="K1-000009",
    blocks=(
        Text("国家电网 State Grid", align=Align.CENTER, bold=True),
        *(Columns(f"第 {i} 行 line {i}", f"¥{i}.00") for i in range(1, 13)),
        QrCode("K1-000009"),
    ),
)
FAULTS = {
    "out": PaperStatus.PAPER_OUT,
    "cover_open": PaperStatus.COVER_OPEN,
    "cutter_error": PaperStatus.CUTTER_ERROR,
    "offline": PaperStatus.OFFLINE,
}


@pytest.fixture(params=["pty", "tcp"])
def rig(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[PrinterEmulator, EscposPrinter]]:
    emu = PrinterEmulator(tmp_path / "out")
    server = None
    if request.param == "pty":
        link: str | NetworkLink = emu.start()
    else:
        server = TcpPrinterServer(emu)
        link = NetworkLink("127.0.0.1", server.start())
    printer = EscposPrinter("p", link, CAPS, confirm_grace=0.6)
    printer.open()
    yield emu, printer
    printer.close()
    if server is not None:
        server.stop()
    emu.stop()


@pytest.mark.parametrize("state", list(FAULTS))
def test_fault_before_the_job_sends_nothing_and_claims_nothing(rig, state: str) -> None:
    emu, printer = rig
    emu.set_paper(state)
    result = printer.print_document(DOC)
    assert not result.printed and not result.incomplete
    assert result.status is FAULTS[state]
    assert emu.wait_for_receipts(1, timeout=0.2) == []
    emu.set_paper("ready")
    assert printer.print_document(DOC).printed  # fixed by the technician: prints again


@pytest.mark.parametrize("state", list(FAULTS))
def test_fault_during_the_job_is_incomplete_and_the_rest_is_discarded(rig, state: str) -> None:
    emu, printer = rig
    emu.inject_fault(state, after_lines=4)
    result = printer.print_document(DOC)
    assert not result.printed and result.incomplete
    assert result.status is FAULTS[state]
    if state != "offline":  # an offline printer cannot even hear "clear your buffer"
        assert emu.buffer_clears == 1
    printed = emu.wait_for_receipts(1, timeout=0.5)
    if printed:  # what came out is marked truncated and is only the first lines
        assert printed[0].truncated and len(printed[0].lines) <= 4
    assert printer.health().counters["print_failures"] == 1


@pytest.mark.parametrize("state", list(FAULTS))
def test_fault_after_a_confirmed_job_keeps_the_receipt_and_shows_next(rig, state: str) -> None:
    emu, printer = rig
    result = printer.print_document(DOC)
    assert result.printed and result.status is PaperStatus.READY
    [receipt] = emu.wait_for_receipts(1)
    assert not receipt.truncated and receipt.qr_data == ["K1-000009"]
    emu.set_paper(state)
    assert printer.status() is FAULTS[state]
    assert not printer.print_document(DOC).printed


def test_near_end_during_the_job_still_prints_and_reports_near_end(rig) -> None:
    emu, printer = rig
    emu.inject_fault("near_end", after_lines=3)
    result = printer.print_document(DOC)
    assert result.printed and result.status is PaperStatus.PAPER_NEAR_END


def test_printer_that_never_confirms_the_end_is_not_printed(tmp_path: Path) -> None:
    """A printer that answers DLE EOT but loses the job (buffer overflow, reset) is caught."""
    emu = PrinterEmulator(tmp_path)
    port = emu.start()
    original = emu.feed

    def lose_gs_r(data: bytes) -> bytes:
        return original(data.replace(b"\x1dr\x01", b""))

    emu.feed = lose_gs_r  # type: ignore[method-assign]
    printer = EscposPrinter("p", port, CAPS, confirm_grace=0.3)
    try:
        result = printer.print_document(DOC)
        assert not result.printed and result.incomplete and result.status is PaperStatus.READY
    finally:
        printer.close()
        emu.stop()


def test_file_link_without_readback_writes_bytes_but_never_claims(tmp_path: Path) -> None:
    path = tmp_path / "spool.bin"
    printer = EscposPrinter("p", FileLink(str(path)), CAPS)
    result = printer.print_document(DOC)
    printer.close()
    assert not result.printed and "PRINTER_NO_STATUS" in result.detail
    assert path.read_bytes() == encode_document(DOC, CAPS)
    assert printer.status() is PaperStatus.OFFLINE


def test_file_link_with_readback_talks_to_a_device_node(tmp_path: Path) -> None:
    emu = PrinterEmulator(tmp_path)
    node = emu.start()  # a pty stands in for /dev/usb/lp0
    printer = EscposPrinter("p", FileLink(node, readback=True), CAPS)
    try:
        assert printer.print_document(DOC).printed
        assert emu.wait_for_receipts(1)[0].qr_data == ["K1-000009"]
        emu.set_paper("near_end")
        assert printer.status() is PaperStatus.PAPER_NEAR_END
    finally:
        printer.close()
        emu.stop()


def test_network_printer_that_is_not_there_is_offline_quickly() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    printer = EscposPrinter("p", NetworkLink("127.0.0.1", port), CAPS)
    assert printer.status() is PaperStatus.OFFLINE
    assert "PRINTER_OFFLINE" in printer.health().detail
    result = printer.print_document(DOC)
    assert not result.printed and result.status is PaperStatus.OFFLINE
