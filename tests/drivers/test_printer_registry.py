"""Printer backends chosen by id from config, with the printer profile validated up front."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.printer.base import PaperStatus
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.emulator_tcp import TcpPrinterServer
from drivers.printer.escpos_printer import EscposPrinter
from drivers.printer.links import FileLink, NetworkLink, SerialLink, UsbLink
from kiosk.errors import ConfigError
from kiosk.runtime.config import DeviceConfig
from kiosk.runtime.registry import DeviceContext, default_registry
from tests.drivers.printer_documents import payment


def _build(tmp_path: Path, backend: str, **options: object):
    ctx = DeviceContext(lambda _e: None, tmp_path, tmp_path / "receipts")
    return default_registry().build(DeviceConfig("printer", backend, dict(options)), ctx)


def test_every_backend_is_registered_by_id() -> None:
    assert default_registry().backends("printer") == [
        "escpos-emulated",
        "escpos-file",
        "escpos-network",
        "escpos-serial",
        "escpos-usb",
    ]


@pytest.mark.parametrize(
    ("backend", "options", "link"),
    [
        ("escpos-serial", {"port": "/dev/ttyS9", "baudrate": 38400}, SerialLink),
        ("escpos-network", {"host": "127.0.0.1", "tcp_port": 9100}, NetworkLink),
        ("escpos-usb", {"vendor_id": 0x04B8, "product_id": 0x0202}, UsbLink),
        ("escpos-file", {"path": "/dev/usb/lp0", "readback": True}, FileLink),
    ],
)
def test_backend_and_profile_come_from_config(
    tmp_path: Path, backend: str, options: dict, link: type
) -> None:
    profile = {"columns": 32, "width_dots": 384, "cutter": False, "codepage": "cp858"}
    built = _build(tmp_path, backend, **options, **profile)
    printer = built.device
    assert isinstance(printer, EscposPrinter) and isinstance(printer.link, link)
    caps = printer.capabilities
    assert (caps.columns, caps.width_dots, caps.cutter, caps.codepage) == (32, 384, False, "cp858")


@pytest.mark.parametrize(
    "options",
    [{"codepage": "utf8"}, {"columns": 300}, {"width_dots": "576"}, {"cutter": "yes"}],
)
def test_a_bad_profile_is_a_config_error_naming_the_key(tmp_path: Path, options: dict) -> None:
    with pytest.raises(ConfigError, match=r"devices\.printer\."):
        _build(tmp_path, "escpos-serial", port="/dev/ttyS0", **options)


def test_usb_printer_that_is_absent_is_offline_not_a_crash(tmp_path: Path) -> None:
    printer = _build(tmp_path, "escpos-usb", vendor_id=0xFFFF, product_id=0xFFFE).device
    assert printer.status() is PaperStatus.OFFLINE
    assert "PRINTER_OFFLINE" in printer.health().detail


def test_network_backend_prints_to_the_tcp_emulator(tmp_path: Path) -> None:
    emu = PrinterEmulator(tmp_path / "emu")
    server = TcpPrinterServer(emu)
    port = server.start()
    built = _build(tmp_path, "escpos-network", host="127.0.0.1", tcp_port=port)
    try:
        assert built.device.print_document(payment("zh_CN")).printed
        assert emu.wait_for_receipts(1)[0].qr_data == ["kiosk-0001-000042"]
    finally:
        built.close()
        server.stop()
