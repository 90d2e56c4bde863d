"""Maintenance mode: menu, live dashboard, self-tests, cashbox exchange, journal export, exit.

An explicit state machine (ModeState + TRANSITIONS) driven by keys, device events and an
injected clock; every screen is a ScreenModel built in mode_screens.py and drawn by the same Qt
view customers see. Every action the technician takes is journaled through TechnicianAudit
(who, what, result; the journal stamps when). Self-tests can take seconds (a test print), so
they run on a worker and come back as SelfTestFinished; the dashboard re-reads the health
snapshot on every device event and once a second.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from drivers.base import DeviceState
from kiosk.clock import Clock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import Catalog
from kiosk.technician.audit import TechnicianAudit
from kiosk.technician.cashbox_exchange import CashboxExchange
from kiosk.technician.health import HealthSnapshot
from kiosk.technician.mode_export import export_journal_file
from kiosk.technician.mode_selftests import (
    SENSOR_EVENTS,
    SelfTestFinished,
    SelfTests,
    SelfTestSteps,
    sensor_text,
)
from kiosk.technician.mode_states import TRANSITIONS, ModeState
from kiosk.technician.selftests import INTERACTIVE, SelfTestResult
from kiosk.technician.selftests_interactive import KeypadCheck

log = logging.getLogger(__name__)
DASHBOARD_REFRESH_S = 1.0
PAGE = 5  # self-tests per screen; key 6 shows the next page
FAULTS = (DeviceState.HARDWARE_ERROR, DeviceState.USER_ERROR, DeviceState.FRAUD_ATTEMPT)


class HealthSource(Protocol):
    def snapshot(self) -> HealthSnapshot:
        """May touch the wire (a bounded printer status query): called on a worker."""
        ...


@dataclass(frozen=True)
class HealthRead:
    snapshot: HealthSnapshot | None  # None: the read failed; the last snapshot stays shown


class MaintenanceMode(SelfTestSteps):
    def __init__(
        self,
        *,
        kiosk_id: str,
        data_dir: Path,
        database_url: str,
        health: HealthSource,
        selftests: SelfTests,
        cashbox: CashboxExchange,
        audit: TechnicianAudit,
        catalog: Catalog,
        clock: Clock,
        submit: Callable[[Callable[[], None]], None],
        publish: Callable[[object], None],
        default_language: str = "zh_CN",
        idle_timeout_s: float = 600.0,
    ) -> None:
        self.kiosk_id = kiosk_id
        self.data_dir = data_dir
        self._db_url = database_url
        self.health = health
        self.selftests = selftests
        self.cashbox = cashbox
        self.audit = audit
        self.catalog = catalog
        self.clock = clock
        self._submit = submit
        self._publish = publish
        self.default_language = default_language
        self.idle_timeout_s = idle_timeout_s
        self.state = ModeState.EXITED
        self.lang = default_language
        self.who = ""
        self.snapshot: HealthSnapshot | None = None
        self.page = 0
        self.result: SelfTestResult | None = None
        self.result_error = ""
        self.echo: list[str] = []  # keypad test: keys as pressed; sensor test: events seen
        self.keypad: KeypadCheck | None = None
        self._test_started = 0.0
        self._reading = False
        self.export_path: Path | None = None
        self.export_count = 0
        self._request = ""
        self._refreshed = 0.0
        self._idle_deadline = 0.0

    # ------------------------------------------------------------------ plumbing

    def _go(self, target: ModeState) -> None:
        if target not in TRANSITIONS[self.state]:
            raise RuntimeError(f"mode {self.state.value} -> {target.value} is not allowed")
        self.state = target
        if target is ModeState.DASHBOARD:
            self.refresh()

    @property
    def done(self) -> bool:
        return self.state is ModeState.EXITED

    def begin(self, who: str, method: str) -> None:
        self.who, self.lang, self.page = who, self.default_language, 0
        self.snapshot, self._reading, self._request = None, False, ""  # nothing from last time
        self.audit.record(who, "mode", "entered", method=method)
        self._go(ModeState.MENU)
        self._touch()

    def exit(self, reason: str) -> None:
        """Back to customer service; audited with why (menu, switch off, idle timeout)."""
        if self.state is not ModeState.EXITED:
            self.audit.record(self.who, "mode", "exited", reason=reason)
            self.state = ModeState.EXITED

    def _touch(self) -> None:
        self._idle_deadline = self.clock.monotonic() + self.idle_timeout_s

    def refresh(self) -> None:
        """Asks for a new snapshot on the worker (one at a time); HealthRead brings it back."""
        self._refreshed = self.clock.monotonic()
        if not self._reading:
            self._reading = True
            self._submit(self._read_health)

    def _read_health(self) -> None:
        """On the worker. A failed read must not leave the dashboard waiting for ever."""
        try:
            snapshot: HealthSnapshot | None = self.health.snapshot()
        except Exception:  # any failure: logged here, retried on the next refresh
            log.exception("health snapshot failed")
            snapshot = None
        self._publish(HealthRead(snapshot))

    def tests(self) -> tuple[str, ...]:
        names = tuple(self.selftests.names())
        return names + tuple(n for n in INTERACTIVE if n not in names)

    def page_tests(self) -> tuple[str, ...]:
        return self.tests()[self.page * PAGE : (self.page + 1) * PAGE]

    # ------------------------------------------------------------------ events and time

    def handle(self, event: object) -> None:
        if isinstance(event, KeyPressed):
            self._touch()
            self.key(event.key)
            return
        if isinstance(event, SelfTestFinished) and event.request_id == self._request:
            self._finished(event)
            return
        if isinstance(event, HealthRead):
            self._reading = False
            self.snapshot = event.snapshot or self.snapshot
            return
        if isinstance(event, SENSOR_EVENTS) and self.state is ModeState.SENSOR_TEST:
            self.echo = [*self.echo, sensor_text(event)][-12:]
            return
        if self.state is ModeState.CASHBOX:
            self.cashbox.handle(event)
        if self.state is ModeState.DASHBOARD:
            self.refresh()  # a device changed: the technician sees it at once

    def tick(self) -> None:
        now = self.clock.monotonic()
        if self.state is not ModeState.EXITED and now >= self._idle_deadline:
            self.exit("idle_timeout")
        elif self.state is ModeState.DASHBOARD and now - self._refreshed >= DASHBOARD_REFRESH_S:
            self.refresh()

    def key(self, key: Key) -> None:
        if key is Key.LANGUAGE:
            self.lang = "en" if self.lang == "zh_CN" else "zh_CN"
            return
        handler = getattr(self, f"_key_{self.state.value}", None)
        if handler is not None:
            handler(key)

    def _key_menu(self, key: Key) -> None:
        if key is Key.D1:
            self.audit.record(self.who, "dashboard", "viewed")
            self._go(ModeState.DASHBOARD)
        elif key is Key.D2:
            self.page = 0
            self._go(ModeState.SELFTESTS)
        elif key is Key.D3:
            self._go(ModeState.CASHBOX)
            self.cashbox.begin(self.who, self.lang)
        elif key is Key.D4:
            self._export()
        elif key in (Key.D5, Key.CANCEL):
            self.exit("menu")

    def _key_dashboard(self, key: Key) -> None:
        if key in (Key.CANCEL, Key.ENTER):
            self._go(ModeState.MENU)

    def _key_selftests(self, key: Key) -> None:
        shown = self.page_tests()
        if key is Key.CANCEL:
            self._go(ModeState.MENU)
        elif key is Key.D6 and len(self.tests()) > PAGE:
            self.page = (self.page + 1) % ((len(self.tests()) + PAGE - 1) // PAGE)
        elif key.is_digit and 1 <= int(key.value) <= len(shown):
            self._start_test(shown[int(key.value) - 1])

    def _key_cashbox(self, key: Key) -> None:
        self.cashbox.key(key)
        if self.cashbox.done:
            self._go(ModeState.MENU)

    def _key_exported(self, key: Key) -> None:
        if key in (Key.CANCEL, Key.ENTER):
            self._go(ModeState.MENU)

    def _export(self) -> None:
        path, count = export_journal_file(self._db_url, self.data_dir, self.kiosk_id, self.clock)
        self.export_path, self.export_count = path, count
        self.audit.record(self.who, "journal_export", "written", path=str(path), records=count)
        self._go(ModeState.EXPORTED)
