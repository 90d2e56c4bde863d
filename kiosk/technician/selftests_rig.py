"""Opens a kiosk's configured devices for `kiosk diag` (the kiosk itself must be stopped).

Uses the same registry as the running kiosk, so the test exercises the driver, link and options
the kiosk would use. A device that does not open is kept as an `UnopenedDevice` whose health
says why: the report shows it as offline instead of the command crashing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from drivers.base import DeviceHealth, DeviceState
from kiosk.documents.common import DocContext
from kiosk.errors import DeviceError, KioskError
from kiosk.i18n import Catalog
from kiosk.runtime.config import CoreConfig, DeviceConfig, KioskConfig
from kiosk.runtime.registry import BuiltDevice, DeviceContext, DeviceRegistry
from kiosk.technician.selftests import EventTap
from kiosk.technician.selftests_devices import SelfTestDevices

log = logging.getLogger(__name__)


class DeviceNotOpen(DeviceError):
    code = "DEVICE_NOT_OPEN"


class UnopenedDevice:
    """Stands in for a device whose open() failed."""

    def __init__(self, device_id: str, why: str) -> None:
        self.device_id = device_id
        self.why = why

    def health(self) -> DeviceHealth:
        return DeviceHealth(self.device_id, DeviceState.OFFLINE, f"did not open: {self.why}")

    def status(self) -> Any:
        raise DeviceNotOpen(f"{self.device_id} did not open: {self.why}")


@dataclass
class OpenedDevices:
    """Every configured device, opened (or an UnopenedDevice), and how to close them."""

    devices: dict[str, Any] = field(default_factory=dict)  # device id -> driver
    built: list[BuiltDevice] = field(default_factory=list)
    selftest: SelfTestDevices = field(default_factory=SelfTestDevices)

    def close(self) -> None:
        for built in reversed(self.built):
            try:
                built.close()
            except (KioskError, OSError) as exc:
                log.warning("closing %s: %s", getattr(built.device, "device_id", "?"), exc)


def open_devices(
    config: KioskConfig,
    registry: DeviceRegistry,
    catalog: Catalog,
    *,
    work_dir: Path,
    card_reader: Any = None,
    card_stripe: Any = None,
    speech: Any = None,
    speech_problem: str = "",
    tap: EventTap | None = None,
) -> OpenedDevices:
    """Builds and opens each configured device; events go to `tap` (the self-tests read it)."""
    tap = tap or EventTap()
    work_dir.mkdir(parents=True, exist_ok=True)
    config.data_dir.mkdir(parents=True, exist_ok=True)  # emulators keep their cashbox there
    context = DeviceContext(tap.publish, config.data_dir, work_dir / "receipts")
    opened = OpenedDevices(selftest=SelfTestDevices(tap=tap, work_dir=work_dir))
    for kind in ("printer", "cash", "coin", "headphone"):
        device_config = config.devices.get(kind)
        if device_config is None:
            continue
        try:
            built = registry.build(device_config, context)
        except KioskError as exc:
            opened.devices[kind] = UnopenedDevice(kind, str(exc))
            continue
        opened.built.append(built)
        device: Any = built.device
        try:
            device.open()
        except (KioskError, OSError) as exc:
            device = UnopenedDevice(kind, str(exc))
        opened.devices[kind] = device
        _assign(opened.selftest, kind, device, built.emulator)
    if card_reader is not None:
        card_reader.start()
        opened.devices["card"] = card_reader
        opened.selftest.card = card_reader
        opened.built.append(BuiltDevice(card_reader, closers=[card_reader.stop]))
    if card_stripe is not None:
        card_stripe.start()
        opened.devices["card_stripe"] = card_stripe
        opened.selftest.stripe = card_stripe
        opened.built.append(BuiltDevice(card_stripe, closers=[card_stripe.stop]))
    opened.selftest.speech = speech if hasattr(speech, "render") else None
    opened.selftest.speech_problem = speech_problem
    printer = opened.selftest.printer
    columns = printer.capabilities.columns if hasattr(printer, "capabilities") else 48

    def doc_context() -> DocContext:
        now = datetime.now(ZoneInfo(config.timezone)).strftime("%Y-%m-%d %H:%M:%S")
        return DocContext(catalog, config.default_language, config.kiosk_id, now, columns)

    opened.selftest.doc_context = doc_context
    return opened


def _assign(target: SelfTestDevices, kind: str, device: Any, emulator: Any) -> None:
    if kind == "printer":
        target.printer = device
    elif kind == "cash":
        target.cash, target.cash_emulator = device, emulator
    elif kind == "coin":
        target.coin, target.coin_emulator = device, emulator
    elif kind == "headphone":
        target.headphone = device


def emulated_config(data_dir: Path, *, kiosk_id: str = "diag-emulated") -> KioskConfig:
    """`kiosk diag` without --config: every device on its emulator (what `kiosk demo` runs),
    so a technician can see what a healthy report looks like."""
    return KioskConfig(
        kiosk_id=kiosk_id,
        currency="CNY",
        data_dir=data_dir,
        default_language="zh_CN",
        core=CoreConfig(url="http://127.0.0.1:9", token="", read_timeout=1.0),
        devices={
            "cash": DeviceConfig("cash", "essp-emulated"),
            "printer": DeviceConfig("printer", "escpos-emulated"),
            "coin": DeviceConfig("coin", "cctalk-emulated"),
            "headphone": DeviceConfig("headphone", "emulated"),
        },
    )
