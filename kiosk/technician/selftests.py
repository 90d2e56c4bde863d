"""Device self-tests: typed results, one suite, the non-interactive subset for `kiosk diag`.

Every test returns a `SelfTestResult` (never raises for a device problem): a technician reads
the status and the stable `code`, the `details` say what was seen. UNAVAILABLE means the device
is not configured here (no card reader on this cabinet), which is not a fault.

Interactive tests (keypad, screen test pattern, sensors) need a technician's hands and eyes:
maintenance mode drives them and builds their results with `KeypadCheck` and `confirm_result`
(kiosk/technician/selftests_interactive.py); `SelfTestSuite.run` reports them UNAVAILABLE when
nobody is there to interact.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class SelfTestStatus(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class SelfTestResult:
    test: str
    device_id: str
    status: SelfTestStatus
    code: str  # stable: "OK", "PAPER_OUT", "NOT_CONFIGURED", "NOTE_STACKED" ...
    details: dict[str, str] = field(default_factory=dict)
    duration_ms: float = 0.0

    def wire(self) -> dict[str, object]:
        return {
            "test": self.test,
            "device_id": self.device_id,
            "status": self.status.value,
            "code": self.code,
            "details": dict(self.details),
            "duration_ms": round(self.duration_ms, 1),
        }


# Test names (stable; maintenance mode and `kiosk diag` use them).
PRINTER, CARD, NOTE, COIN, SPEECH, HEADPHONE = (
    "printer",
    "card_reader",
    "note_acceptor",
    "coin_acceptor",
    "speech",
    "headphone_jack",
)
STRIPE = "stripe_head"  # a hybrid card reader's magnetic-stripe head
KEYPAD, SCREEN, SENSORS = "keypad", "screen_pattern", "sensors"
NONINTERACTIVE = (PRINTER, CARD, STRIPE, NOTE, COIN, SPEECH, HEADPHONE)
INTERACTIVE = (KEYPAD, SCREEN, SENSORS)


class EventTap:
    """Device events seen during a test. Wire the devices' event sink to `publish` (the CLI
    does; in the running kiosk maintenance mode forwards the bus's device events here while a
    test runs), so a test can wait for "note in escrow" without owning the event bus."""

    def __init__(self) -> None:
        self._events: list[object] = []
        self._changed = threading.Condition()

    def publish(self, event: object) -> None:
        with self._changed:
            self._events.append(event)
            self._changed.notify_all()

    def mark(self) -> int:
        with self._changed:
            return len(self._events)

    def since(self, mark: int) -> list[object]:
        with self._changed:
            return list(self._events[mark:])

    def wait_for(self, mark: int, predicate: Callable[[object], bool], timeout: float) -> object:
        """The first event after `mark` matching `predicate`, or None after `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self._events[mark:]:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)


TestFn = Callable[[], SelfTestResult]


def timed(
    test: str, device_id: str, body: Callable[[], tuple[SelfTestStatus, str, dict]]
) -> TestFn:
    """Wraps a test body returning (status, code, details) with its name and duration."""

    def run() -> SelfTestResult:
        start = time.perf_counter()
        status, code, details = body()
        elapsed = (time.perf_counter() - start) * 1000
        clean = {str(k): str(v) for k, v in details.items()}
        return SelfTestResult(test, device_id, status, code, clean, elapsed)

    return run


def unavailable(test: str, device_id: str, why: str) -> SelfTestResult:
    return SelfTestResult(
        test, device_id, SelfTestStatus.UNAVAILABLE, "NOT_CONFIGURED", {"reason": why}
    )


class SelfTestSuite:
    """The tests this kiosk can run, by name. Built by `build_suite`
    (kiosk/technician/selftests_devices.py) from the devices that are configured."""

    def __init__(self, tests: dict[str, TestFn], device_ids: dict[str, str]) -> None:
        self._tests = dict(tests)
        self._device_ids = dict(device_ids)

    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (*NONINTERACTIVE, *INTERACTIVE) if n in self._tests) + tuple(
            n for n in self._tests if n not in NONINTERACTIVE + INTERACTIVE
        )

    def run(self, name: str) -> SelfTestResult:
        test = self._tests.get(name)
        if test is None:
            return unavailable(name, self._device_ids.get(name, name), "no such test here")
        return test()

    def run_noninteractive(self) -> list[SelfTestResult]:
        return [self.run(n) for n in NONINTERACTIVE if n in self._tests]
