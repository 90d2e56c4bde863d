"""Device backends chosen by id from an explicit registry.

Registration is a visible list in `default_registry()`, not an import side effect, so a reader
can see every backend the kiosk can run and a config typo names the ids that do exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.base import EventSink
from drivers.cash.essp_driver import EsspAcceptor
from drivers.cash.essp_emulator import EsspEmulator
from drivers.printer.base import PrinterCapabilities
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.escpos_printer import EscposPrinter
from kiosk.config import DeviceConfig
from kiosk.errors import ConfigError


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
    )
    return BuiltDevice(acceptor, closers=[acceptor.close])


def _essp_emulated(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """The real eSSP driver talking to the project's emulator over a pty pair."""
    emulator = EsspEmulator(
        currency=_option(config, "currency", str, "CNY"),
        cashbox_file=ctx.data_dir / "emulated-cashbox.json",
    )
    port = emulator.start()
    acceptor = EsspAcceptor("cash", port, ctx.on_event, poll_interval=0.1)
    return BuiltDevice(acceptor, emulator=emulator, closers=[emulator.stop, acceptor.close])


def _capabilities(config: DeviceConfig) -> PrinterCapabilities:
    return PrinterCapabilities(
        columns=_option(config, "columns", int, 48),
        width_dots=_option(config, "width_dots", int, 576),
        cutter=_option(config, "cutter", bool, True),
        native_qr=_option(config, "native_qr", bool, True),
    )


def _escpos_serial(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    printer = EscposPrinter(
        "printer",
        _option(config, "port", str),
        _capabilities(config),
        baudrate=_option(config, "baudrate", int, 115200),
    )
    return BuiltDevice(printer, closers=[printer.close])


def _escpos_emulated(config: DeviceConfig, ctx: DeviceContext) -> BuiltDevice:
    """python-escpos writing real ESC/POS to the emulator, which renders each cut to PNG."""
    caps = _capabilities(config)
    emulator = PrinterEmulator(ctx.receipts_dir, width_dots=caps.width_dots, columns=caps.columns)
    port = emulator.start()
    printer = EscposPrinter("printer", port, caps)
    return BuiltDevice(printer, emulator=emulator, closers=[emulator.stop, printer.close])


def default_registry() -> DeviceRegistry:
    registry = DeviceRegistry()
    registry.register("cash", "essp", _essp)
    registry.register("cash", "essp-emulated", _essp_emulated)
    registry.register("printer", "escpos-serial", _escpos_serial)
    registry.register("printer", "escpos-emulated", _escpos_emulated)
    return registry
