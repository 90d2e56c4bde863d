"""Result builders for the self-tests a technician performs by hand (keypad, screen, sensors).

Maintenance mode owns the screens and the keys; these small classes own the bookkeeping so the
results have the same type and codes as the automatic tests (and land in the same audit log).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from kiosk.events import Key
from kiosk.technician.selftests import KEYPAD, SelfTestResult, SelfTestStatus

# The keys of the physical PIN pad / EPP; the voice-mode keys are checked when present.
PINPAD_KEYS: tuple[Key, ...] = (
    *(Key.digit(n) for n in range(10)),
    Key.ENTER,
    Key.CANCEL,
    Key.CLEAR,
)

# Frames of the screen test pattern, shown in this order; the technician confirms each.
SCREEN_PATTERNS: tuple[str, ...] = ("white", "black", "red", "green", "blue", "grid", "gradient")


class KeypadCheck:
    """Every key must echo once. `press` returns the key's label to echo on screen; the test
    passes when all expected keys were seen, and fails (listing the missing ones) when the
    technician ends it early."""

    def __init__(self, keys: Iterable[Key] = PINPAD_KEYS, device_id: str = "keypad") -> None:
        self.expected = tuple(keys)
        self.device_id = device_id
        self.seen: list[Key] = []
        self._start = time.perf_counter()

    def press(self, key: Key) -> str:
        if key not in self.seen:
            self.seen.append(key)
        return key.value

    @property
    def missing(self) -> tuple[Key, ...]:
        return tuple(k for k in self.expected if k not in self.seen)

    @property
    def complete(self) -> bool:
        return not self.missing

    def result(self) -> SelfTestResult:
        missing = self.missing
        details = {
            "seen": " ".join(k.value for k in self.seen),
            "missing": " ".join(k.value for k in missing),
        }
        return SelfTestResult(
            KEYPAD,
            self.device_id,
            SelfTestStatus.PASS if not missing else SelfTestStatus.FAIL,
            "OK" if not missing else "KEYS_MISSING",
            details,
            (time.perf_counter() - self._start) * 1000,
        )


def confirm_result(
    test: str,
    device_id: str,
    passed: bool,
    *,
    details: dict[str, str] | None = None,
    duration_ms: float = 0.0,
    fail_code: str = "TECHNICIAN_REPORTED_FAULT",
) -> SelfTestResult:
    """A test whose verdict is the technician's (screen pattern looked right, the operator
    switch and door sensors toggled)."""
    return SelfTestResult(
        test,
        device_id,
        SelfTestStatus.PASS if passed else SelfTestStatus.FAIL,
        "OK" if passed else fail_code,
        dict(details or {}),
        duration_ms,
    )
