"""Self-test steps of maintenance mode: automatic tests on a worker, interactive ones by hand.

A mixin of MaintenanceMode (as the bill-payment journey splits its cash steps out): automatic
tests run through `SelfTestSuite.run` on a worker and come back as SelfTestFinished; the keypad,
screen-pattern and sensor tests are driven here with the technician and build the same typed
SelfTestResult. Every result, either way, goes through `_show_result`, which audits it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from drivers.sensors.headphone import HeadphoneChanged
from drivers.sensors.operator_switch import OperatorSwitchChanged
from kiosk.clock import Clock
from kiosk.events import Key
from kiosk.technician.audit import TechnicianAudit
from kiosk.technician.mode_states import ModeState
from kiosk.technician.selftests import KEYPAD, SCREEN, SENSORS, SelfTestResult
from kiosk.technician.selftests_interactive import KeypadCheck, confirm_result

log = logging.getLogger(__name__)
SENSOR_EVENTS = (OperatorSwitchChanged, HeadphoneChanged)


class SelfTests(Protocol):
    def names(self) -> tuple[str, ...]: ...

    def run(self, name: str) -> SelfTestResult:
        """May block (a test print, a note accepted and returned): runs on a worker."""
        ...


@dataclass(frozen=True)
class SelfTestFinished:
    request_id: str
    name: str
    result: SelfTestResult | None  # None when the test itself crashed
    error: str = ""


class SelfTestSteps:
    # provided by MaintenanceMode
    state: ModeState
    who: str
    audit: TechnicianAudit
    clock: Clock
    selftests: SelfTests
    result: SelfTestResult | None
    result_error: str
    echo: list[str]
    keypad: KeypadCheck | None
    _request: str
    _test_started: float
    _submit: Callable[[Callable[[], None]], None]
    _publish: Callable[[object], None]

    def _go(self, target: ModeState) -> None: ...

    def _start_test(self, name: str) -> None:
        interactive = {
            KEYPAD: ModeState.KEYPAD_TEST,
            SCREEN: ModeState.SCREEN_TEST,
            SENSORS: ModeState.SENSOR_TEST,
        }
        self.result, self.result_error = None, ""
        if name in interactive:
            self.echo, self.keypad = [], KeypadCheck() if name == KEYPAD else None
            self._test_started = self.clock.monotonic()
            self.audit.record(self.who, "selftest", "started", test=name)
            self._go(interactive[name])
            return
        self._request = str(uuid.uuid4())
        self._go(ModeState.SELFTEST_RUNNING)
        request = self._request
        self._submit(lambda: self._run_test(request, name))

    def _run_test(self, request_id: str, name: str) -> None:
        """On the worker: a crashing test is a result to show, never a dead worker."""
        try:
            self._publish(SelfTestFinished(request_id, name, self.selftests.run(name)))
        except Exception as exc:  # any failure is a result the technician sees
            log.exception("self-test %s crashed", name)
            self._publish(SelfTestFinished(request_id, name, None, type(exc).__name__))

    def _finished(self, event: SelfTestFinished) -> None:
        self._request = ""
        if self.state is ModeState.SELFTEST_RUNNING:
            self._show_result(event.name, event.result, event.error)

    def _show_result(self, name: str, result: SelfTestResult | None, error: str = "") -> None:
        """Every test, automatic or by hand, ends here: audited with its status and code."""
        self.result, self.result_error = result, error
        status = result.status.value if result is not None else "error"
        code = result.code if result is not None else error
        self.audit.record(self.who, "selftest", status, test=name, code=code)
        self._go(ModeState.SELFTEST_RESULT)

    def _key_selftest_result(self, key: Key) -> None:
        if key in (Key.CANCEL, Key.ENTER):
            self._go(ModeState.SELFTESTS)

    def _elapsed_ms(self) -> float:
        return (self.clock.monotonic() - self._test_started) * 1000

    def _key_keypad_test(self, key: Key) -> None:
        """Every key echoes; Cancel (itself one of the keys checked) ends the test."""
        assert self.keypad is not None
        self.echo = [*self.echo, self.keypad.press(key)][-24:]
        if key is Key.CANCEL:
            self._show_result(KEYPAD, self.keypad.result())

    def _key_screen_test(self, key: Key) -> None:
        if key in (Key.D1, Key.D2):
            passed = key is Key.D1
            result = confirm_result(SCREEN, "screen", passed, duration_ms=self._elapsed_ms())
            self._show_result(SCREEN, result)

    def _key_sensor_test(self, key: Key) -> None:
        if key in (Key.ENTER, Key.CANCEL):
            passed = key is Key.ENTER and bool(self.echo)
            details = {"events": " | ".join(self.echo)}
            result = confirm_result(
                SENSORS, "sensors", passed, details=details, duration_ms=self._elapsed_ms()
            )
            self._show_result(SENSORS, result)


def sensor_text(event: object) -> str:
    if isinstance(event, OperatorSwitchChanged):
        return f"{event.device_id}: {'on' if event.on else 'off'}"
    if isinstance(event, HeadphoneChanged):
        return f"{event.device_id}: {'inserted' if event.inserted else 'unplugged'}"
    return str(event)
