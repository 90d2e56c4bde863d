"""States and the transition table of maintenance mode (kiosk/technician/mode.py)."""

from __future__ import annotations

from enum import Enum


class ModeState(str, Enum):
    MENU = "menu"
    DASHBOARD = "dashboard"
    SELFTESTS = "selftests"
    SELFTEST_RUNNING = "selftest_running"
    SELFTEST_RESULT = "selftest_result"
    KEYPAD_TEST = "keypad_test"
    SCREEN_TEST = "screen_test"
    SENSOR_TEST = "sensor_test"
    CASHBOX = "cashbox"
    EXPORTED = "exported"
    EXITED = "exited"


M = ModeState
TRANSITIONS: dict[ModeState, frozenset[ModeState]] = {
    M.MENU: frozenset({M.DASHBOARD, M.SELFTESTS, M.CASHBOX, M.EXPORTED, M.EXITED}),
    M.DASHBOARD: frozenset({M.MENU, M.EXITED}),
    M.SELFTESTS: frozenset(
        {M.SELFTESTS, M.SELFTEST_RUNNING, M.KEYPAD_TEST, M.SCREEN_TEST, M.SENSOR_TEST}
        | {M.MENU, M.EXITED}
    ),
    M.SELFTEST_RUNNING: frozenset({M.SELFTEST_RESULT, M.EXITED}),
    M.SELFTEST_RESULT: frozenset({M.SELFTESTS, M.EXITED}),
    M.KEYPAD_TEST: frozenset({M.SELFTEST_RESULT, M.EXITED}),
    M.SCREEN_TEST: frozenset({M.SELFTEST_RESULT, M.EXITED}),
    M.SENSOR_TEST: frozenset({M.SELFTEST_RESULT, M.EXITED}),
    M.CASHBOX: frozenset({M.MENU, M.EXITED}),
    M.EXPORTED: frozenset({M.MENU, M.EXITED}),
    M.EXITED: frozenset({M.MENU}),
}
