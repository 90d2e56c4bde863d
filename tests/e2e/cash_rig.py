"""A running kiosk built by the composition root (kiosk.runtime.app.build_kiosk) from a config,
with the reference core on loopback and emulated devices on ptys — shared by the coin and IC-card
tests.

Unlike the demo it takes extra device sections ([devices.coin], [devices.ic_card_reader]) and
can be restarted on the same data directory, as a kiosk is after a crash or a power cut.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import SystemClock
from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.journeys.screen_model import ScreenModel
from kiosk.runtime.app import KioskRuntime, build_kiosk
from kiosk.runtime.config import CoreConfig, DeviceConfig, KioskConfig, ScreenConfig, TimeoutConfig
from kiosk.runtime.registry import default_registry

KIOSK_ID = "kiosk-cash-e2e"


class CashRig:
    def __init__(self, tmp_path: Path, extra_devices: dict[str, DeviceConfig]) -> None:
        self.tmp_path = tmp_path
        self.token = secrets.token_urlsafe(16)
        self.store = Store(f"sqlite:///{tmp_path / 'core.db'}")
        self.store.create_schema()
        self.store.seed_demo()
        self.core = CoreServer(self.store, kiosk_tokens={KIOSK_ID: self.token})
        self.url = self.core.start()
        self.extra_devices = extra_devices
        self.runtime: KioskRuntime | None = None

    def start_kiosk(self) -> KioskRuntime:
        """Builds and starts a kiosk on the rig's data directory (again after a stop)."""
        config = KioskConfig(
            kiosk_id=KIOSK_ID,
            currency="CNY",
            data_dir=self.tmp_path / "state",
            default_language="en",
            core=CoreConfig(url=self.url, token=self.token, read_timeout=5.0),
            devices={
                "cash": DeviceConfig("cash", "essp-emulated"),
                "printer": DeviceConfig("printer", "escpos-emulated"),
                **self.extra_devices,
            },
            screen=ScreenConfig(fullscreen=False),
            timeouts=TimeoutConfig(),
        )
        runtime = build_kiosk(
            config,
            clock=SystemClock(),
            registry=default_registry(),
            catalog=load_catalog(),
            receipts_dir=self.tmp_path / "receipts",
        )
        self.runtime = runtime
        runtime.start()
        return runtime

    @property
    def kiosk(self) -> KioskRuntime:
        assert self.runtime is not None
        return self.runtime

    def stop_kiosk(self) -> None:
        if self.runtime is not None:
            self.runtime.stop()
            self.runtime = None

    def stop(self) -> None:
        self.stop_kiosk()
        self.core.stop()
        self.store.close()

    # --- driving the kiosk as a customer does ---

    def screen(self) -> ScreenModel:
        return self.kiosk.controller.current_screen()

    def until(self, what: str, check: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, f"waited for {what}; screen {self.screen()}"
            self.kiosk.controller.pump()
            time.sleep(0.02)

    def wait_screen(self, screen_id: str, timeout: float = 20.0) -> ScreenModel:
        def reached() -> bool:
            self.kiosk.controller.pump()
            return self.screen().screen_id == screen_id

        self.until(f"screen {screen_id}", reached, timeout)
        return self.screen()

    def press(self, *keys: Key) -> None:
        for key in keys:
            self.kiosk.controller.press(key)
            self.kiosk.controller.pump()

    def open_service(self, label: str) -> None:
        """Attract -> English -> the menu entry with this label."""
        self.press(Key.ENTER, Key.D2)
        labels = [c.label for c in self.wait_screen("menu").choices]
        assert label in labels, f"{label!r} not offered: {labels}"
        self.press(Key.digit(labels.index(label) + 1))

    def amounts(self) -> dict[str, str]:
        return {a.label: a.amount for a in self.screen().amounts}

    def synced(self) -> None:
        self.until("the outbox to reach the core", lambda: self.kiosk.outbox.status().pending == 0)

    def journal(self, kind: str) -> list[dict[str, object]]:
        return [r.data for r in self.kiosk.ledger.records() if r.kind == kind]
