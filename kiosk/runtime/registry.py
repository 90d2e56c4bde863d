"""Device backends chosen by id from an explicit registry.

Registration is a visible list in `default_registry()`, not an import side effect, so a reader
can see every backend the kiosk can run and a config typo names the ids that do exist.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.base import EventSink
from drivers.card_reader.pcsc import PcscCardReader
from drivers.cash.essp_driver import EsspAcceptor
from drivers.cash.essp_emulator import EsspEmulator
from drivers.coin.cctalk_driver import CcTalkCoinAcceptor
from drivers.coin.cctalk_emulator import CcTalkEmulator
from drivers.pinpad.base import PinFormat
from drivers.pinpad.emulated import EmulatedPinPad, PinKey
from drivers.printer.base import PrinterCapabilities
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.escpos_printer import EscposPrinter
from drivers.printer.links import FileLink, NetworkLink, PrinterLink, SerialLink, UsbLink
from drivers.scanner.base import MAX_CODE_LENGTH
from drivers.scanner.emulator import ScannerEmulator
from drivers.scanner.hid import HidScanner
from drivers.scanner.serial_scanner import MODES as SCANNER_MODES
from drivers.scanner.serial_scanner import SerialScanner
from drivers.sensors.headphone import EmulatedHeadphoneJack, EvdevHeadphoneJack
from drivers.sensors.headphone_alsa import AlsaHeadphoneJack
from drivers.sensors.operator_switch import EmulatedOperatorSwitch
from kiosk.errors import ConfigError
from kiosk.runtime.config_keys import essp_fixed_key
from kiosk.runtime.device_config import DeviceConfig


@dataclass(frozen=True)
class DeviceContext:
    """What a backend factory may use besides its own options."""

    on_event: EventSink
    data_dir: Path
    receipts_dir: Path


@dataclass
class BuiltDevice:
    """A device ready to open, plus the emulator behind it when the backend is emulated."""

    device: Any
    emulator: Any = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()


Factory = Callable[[DeviceConfig, DeviceContext], BuiltDevice]


class DeviceRegistry:
    def __init__(self) -> None:
        self._factories: dict[tuple[str, str], Factory] = {}

    def register(self, kind: str, backend: str, factory: Factory) -> None:
        self._factories[(kind, backend)] = factory

    def backends(self, kind: str) -> list[str]:
        return sorted(b for k, b in self._factories if k == kind)

    def build(self, config: DeviceConfig, context: DeviceContext) -> BuiltDevice:
        factory = self._factories.get((config.kind, config.backend))
        if factory is None:
            raise ConfigError(config.key("backend"), f"one of {self.backends(config.kind)}")
        return factory(config, context)


def _option(config: DeviceConfig, name: str, kind: type, default: Any = ...) -> Any:
    value = config.options.get(name, default)
    if value is ... or not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise ConfigError(config.key(name), f"a {kind.__name__}", config.options.get(name))
    return value


def _essp(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    acceptor = EsspAcceptor(
        "cash",
        _option(config, "port", str),
        ctx.on_event,
        address=_option(config, "address", int, 0),
        poll_interval=_option(config, "poll_interval", float, 0.2),
        fixed_key=essp_fixed_key(config.options, "devices.cash", os.environ),  # None: plain SSP
    )
    return BuiltDevice(acceptor, closers=[acceptor.close])


def _essp_emulated(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """The real eSSP driver talking to the project's emulator over a pty pair; encrypted unless
    `encrypted = false`, with a fixed key made fresh at each start (never stored)."""
    encrypted = _option(config, "encrypted", bool, True)
    fixed_key = secrets.randbits(64) if encrypted else None
    emulator = EsspEmulator(
        currency=_option(config, "currency", str, "CNY"),
        cashbox_file=ctx.data_dir / "emulated-cashbox.json",
        fixed_key=fixed_key,
        encrypted=encrypted,
    )
    port = emulator.start()
    acceptor = EsspAcceptor("cash", port, ctx.on_event, poll_interval=0.1, fixed_key=fixed_key)
    return BuiltDevice(acceptor, emulator=emulator, closers=[emulator.stop, acceptor.close])


def _cctalk(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    acceptor = CcTalkCoinAcceptor(
        "coin",
        _option(config, "port", str),
        ctx.on_event,
        currency=_option(config, "currency", str, "CNY"),
        address=_option(config, "address", int, 2),
        poll_interval=_option(config, "poll_interval", float, 0.1),
    )
    return BuiltDevice(acceptor, closers=[acceptor.close])


def _cctalk_emulated(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """The real ccTalk driver talking to the project's coin emulator over a pty pair."""
    emulator = CcTalkEmulator()
    port = emulator.start()
    acceptor = CcTalkCoinAcceptor("coin", port, ctx.on_event, poll_interval=0.1)
    return BuiltDevice(acceptor, emulator=emulator, closers=[emulator.stop, acceptor.close])


def _ic_card_pcsc(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """The prepaid-card (IC-card recharge) reader: its own PC/SC reader, started by the kiosk."""
    reader = PcscCardReader("ic_card", _option(config, "reader", str), ctx.on_event)
    return BuiltDevice(reader, closers=[reader.stop])


def _capabilities(config: DeviceConfig) -> PrinterCapabilities:
    """The printer profile: paper width in dots and columns, cutter, native QR, code page."""
    try:
        return PrinterCapabilities(
            columns=_option(config, "columns", int, 48),
            width_dots=_option(config, "width_dots", int, 576),
            cutter=_option(config, "cutter", bool, True),
            native_qr=_option(config, "native_qr", bool, True),
            codepage=_option(config, "codepage", str, "cp437"),
        )
    except ValueError as exc:
        raise ConfigError(config.key("columns/width_dots/codepage"), str(exc)) from exc


def _escpos(config: DeviceConfig, link: PrinterLink) -> BuiltDevice:
    printer = EscposPrinter(
        "printer",
        link,
        _capabilities(config),
        status_timeout=_option(config, "status_timeout", float, 0.3),
    )
    return BuiltDevice(printer, closers=[printer.close])


def _escpos_serial(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    port = _option(config, "port", str)
    return _escpos(config, SerialLink(port, _option(config, "baudrate", int, 115200)))


def _escpos_network(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    host, port = _option(config, "host", str), _option(config, "tcp_port", int, 9100)
    return _escpos(config, NetworkLink(host, port))


def _escpos_usb(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    vendor, product = _option(config, "vendor_id", int), _option(config, "product_id", int)
    link = UsbLink(
        vendor,
        product,
        in_ep=_option(config, "in_ep", int, 0x82),
        out_ep=_option(config, "out_ep", int, 0x01),
    )
    return _escpos(config, link)


def _escpos_file(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    path = _option(config, "path", str)
    return _escpos(config, FileLink(path, readback=_option(config, "readback", bool, False)))


def _escpos_emulated(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """python-escpos writing real ESC/POS to the emulator, which renders each cut to PNG."""
    caps = _capabilities(config)
    emulator = PrinterEmulator(ctx.receipts_dir, width_dots=caps.width_dots, columns=caps.columns)
    port = emulator.start()
    printer = EscposPrinter("printer", port, caps)
    return BuiltDevice(printer, emulator=emulator, closers=[emulator.stop, printer.close])


def _headphone_evdev(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    jack = EvdevHeadphoneJack("headphone", Path(_option(config, "path", str)), ctx.on_event)
    return BuiltDevice(jack, closers=[jack.close])


def _headphone_alsa(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """The codec's "Headphone Jack" control, polled with amixer (drivers/sensors/headphone_alsa)."""
    card = config.options.get("card", "0")  # an index (0) or the card's id ("PCH")
    if isinstance(card, int) and not isinstance(card, bool):
        card = str(card)
    jack = AlsaHeadphoneJack(
        "headphone",
        _option(config, "card", str, "0") if not isinstance(card, str) else card,
        ctx.on_event,
        control=_option(config, "control", str, "Headphone Jack"),
        poll_interval=_option(config, "poll_interval", float, 0.25),
    )
    return BuiltDevice(jack, closers=[jack.close])


def _headphone_emulated(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """The demo's jack: the demo panel plugs and unplugs it."""
    jack = EmulatedHeadphoneJack("headphone", ctx.on_event)
    return BuiltDevice(jack, emulator=jack, closers=[jack.close])


def _card_reader_pcsc(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """The PC/SC reader (options checked in kiosk/card/config.py); started by the kiosk."""
    reader = PcscCardReader(
        "card_reader",
        _option(config, "reader", str),
        ctx.on_event,
        wait_ms=_option(config, "wait_ms", int, 50),
        retry_s=_option(config, "retry_s", float, 0.5),
    )
    return BuiltDevice(reader, closers=[reader.stop])


def _scanner_mode(config: DeviceConfig) -> str:
    mode = _option(config, "mode", str, "ascii")
    if mode not in SCANNER_MODES:
        raise ConfigError(config.key("mode"), f"one of {list(SCANNER_MODES)}", mode)
    return mode


def _scanner_length(config: DeviceConfig) -> int:
    length = _option(config, "max_length", int, MAX_CODE_LENGTH)
    if not 16 <= length <= 4096:
        raise ConfigError(config.key("max_length"), "characters, 16-4096", length)
    return length


def _scanner_serial(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """A bill barcode scanner on a serial port, ASCII (CR/LF suffix) or framed (ACK/NAK)."""
    scanner = SerialScanner(
        "scanner",
        _option(config, "port", str),
        ctx.on_event,
        mode=_scanner_mode(config),
        baudrate=_option(config, "baudrate", int, 9600),
        max_length=_scanner_length(config),
        retry_s=_option(config, "retry_s", float, 1.0),
    )
    return BuiltDevice(scanner, closers=[scanner.close])


def _scanner_hid(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """A USB scanner in keyboard mode, read (and grabbed) from its own input device."""
    scanner = HidScanner(
        "scanner",
        _option(config, "path", str),
        ctx.on_event,
        grab=_option(config, "grab", bool, True),
        max_length=_scanner_length(config),
        retry_s=_option(config, "retry_s", float, 1.0),
    )
    return BuiltDevice(scanner, closers=[scanner.close])


def _scanner_emulated(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """The real serial driver reading the project's scanner emulator over a pty pair (closed
    before the emulator, so closing is not seen as the scanner unplugged)."""
    mode = _scanner_mode(config)
    emulator = ScannerEmulator(mode=mode)
    port = emulator.start()
    scanner = SerialScanner("scanner", port, ctx.on_event, mode=mode, backend="emulated")
    return BuiltDevice(scanner, emulator=emulator, closers=[emulator.stop, scanner.close])


def _pinpad_emulated(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """The pad fed by the on-screen keypad; its key was resolved from env/file at load time."""
    pin_format = PinFormat(_option(config, "pin_format", str, "iso0"))
    key = PinKey(config.options["key"].reveal(), pin_format)
    return BuiltDevice(EmulatedPinPad("pinpad", key, ctx.on_event))


def _operator_switch_emulated(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """The demo's and training's cabinet key switch: turned by the demo panel or a test."""
    switch = EmulatedOperatorSwitch("operator_switch", ctx.on_event)
    return BuiltDevice(switch, emulator=switch, closers=[switch.close])


def default_registry() -> DeviceRegistry:
    registry = DeviceRegistry()
    registry.register("cash", "essp", _essp)
    registry.register("cash", "essp-emulated", _essp_emulated)
    registry.register("coin", "cctalk", _cctalk)
    registry.register("coin", "cctalk-emulated", _cctalk_emulated)
    registry.register("ic_card_reader", "pcsc", _ic_card_pcsc)
    registry.register("printer", "escpos-serial", _escpos_serial)
    registry.register("printer", "escpos-network", _escpos_network)
    registry.register("printer", "escpos-usb", _escpos_usb)
    registry.register("printer", "escpos-file", _escpos_file)
    registry.register("printer", "escpos-emulated", _escpos_emulated)
    registry.register("headphone", "evdev", _headphone_evdev)
    registry.register("headphone", "alsa", _headphone_alsa)
    registry.register("headphone", "emulated", _headphone_emulated)
    registry.register("operator_switch", "emulated", _operator_switch_emulated)
    registry.register("card_reader", "pcsc", _card_reader_pcsc)
    registry.register("pinpad", "emulated", _pinpad_emulated)
    registry.register("scanner", "serial", _scanner_serial)
    registry.register("scanner", "hid", _scanner_hid)
    registry.register("scanner", "emulated", _scanner_emulated)
    return registry
