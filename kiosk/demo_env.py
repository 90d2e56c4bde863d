"""Demo mode's world: the reference core on loopback and emulated devices, no config needed.

Everything runs for real: the core is an HTTP server on 127.0.0.1, the banknote acceptor is the
eSSP driver talking to the emulator over a pty pair, and the printer is python-escpos writing to
the printer emulator, which renders each cut receipt to PNG.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from core_system.server import CoreServer
from core_system.store import Store
from drivers.cash.essp_emulator import EsspEmulator
from drivers.printer.emulator import PrinterEmulator
from drivers.sensors.headphone import EmulatedHeadphoneJack
from kiosk.app import KioskRuntime, build_kiosk
from kiosk.clock import SystemClock
from kiosk.config import CoreConfig, DeviceConfig, KioskConfig, ScreenConfig, TimeoutConfig
from kiosk.i18n import load_catalog
from kiosk.runtime.registry import default_registry

DEMO_KIOSK_ID = "demo-kiosk-01"


@dataclass
class DemoEnvironment:
    out_dir: Path
    core: CoreServer
    core_store: Store
    runtime: KioskRuntime

    @property
    def cash_emulator(self) -> EsspEmulator:
        return self.runtime.cash.emulator

    @property
    def printer_emulator(self) -> PrinterEmulator:
        return self.runtime.printer.emulator

    @property
    def headphone(self) -> EmulatedHeadphoneJack | None:
        return self.runtime.headphone.emulator if self.runtime.headphone else None

    def stop(self) -> None:
        self.runtime.stop()
        self.core.stop()
        self.core_store.close()


def start_demo(
    out_dir: Path, *, language: str = "zh_CN", timeouts: TimeoutConfig | None = None
) -> DemoEnvironment:
    """Starts the core and a kiosk wired to emulated devices; the caller must `stop()` it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state_dir = out_dir / "state"
    for stale in (state_dir, out_dir / "screens", out_dir / "receipts"):
        shutil.rmtree(stale, ignore_errors=True)
    state_dir.mkdir(parents=True)
    token = secrets.token_urlsafe(24)  # per run; never written to disk or logs

    store = Store(f"sqlite:///{state_dir / 'core.db'}")
    store.create_schema()
    store.seed_demo()
    core = CoreServer(store, kiosk_tokens={DEMO_KIOSK_ID: token})
    core_url = core.start()

    config = KioskConfig(
        kiosk_id=DEMO_KIOSK_ID,
        currency="CNY",
        data_dir=state_dir,
        default_language=language,
        core=CoreConfig(url=core_url, token=token, read_timeout=5.0),
        devices={
            "cash": DeviceConfig("cash", "essp-emulated"),
            "printer": DeviceConfig("printer", "escpos-emulated"),
            "headphone": DeviceConfig("headphone", "emulated"),
        },
        screen=ScreenConfig(fullscreen=False),
        timeouts=timeouts or TimeoutConfig(),
    )
    runtime = build_kiosk(
        config,
        clock=SystemClock(),
        registry=default_registry(),
        catalog=load_catalog(),
        receipts_dir=out_dir / "receipts",
    )
    try:
        runtime.start()
    except BaseException:
        runtime.stop()
        core.stop()
        raise
    return DemoEnvironment(out_dir, core, store, runtime)
