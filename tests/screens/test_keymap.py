"""A PC keyboard or USB PIN pad drives the kiosk exactly like the on-screen keypad."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from kiosk.events import Key
from screens.keymap import key_for


@pytest.mark.parametrize("n", range(10))
def test_top_row_digits(n: int) -> None:
    assert key_for(getattr(Qt.Key, f"Key_{n}")) == Key.digit(n)


@pytest.mark.parametrize("n", range(10))
def test_numpad_digits_map_like_top_row(n: int) -> None:
    event = QKeyEvent(
        QEvent.Type.KeyPress, getattr(Qt.Key, f"Key_{n}"), Qt.KeyboardModifier.KeypadModifier
    )
    assert key_for(event.key()) == Key.digit(n)


@pytest.mark.parametrize(
    ("qt_key", "expected"),
    [
        (Qt.Key.Key_Return, Key.ENTER),
        (Qt.Key.Key_Enter, Key.ENTER),
        (Qt.Key.Key_Escape, Key.CANCEL),
        (Qt.Key.Key_Backspace, Key.CLEAR),
        (Qt.Key.Key_F1, Key.HELP),
        (Qt.Key.Key_F2, Key.LANGUAGE),
        (Qt.Key.Key_F3, Key.PRIVACY),
        (Qt.Key.Key_F4, Key.THEME),
        (Qt.Key.Key_F5, Key.VOLUME_DOWN),
        (Qt.Key.Key_F6, Key.VOLUME_UP),
        (Qt.Key.Key_F7, Key.SLOWER),
        (Qt.Key.Key_F8, Key.FASTER),
    ],
)
def test_function_keys(qt_key: Qt.Key, expected: Key) -> None:
    assert key_for(qt_key) == expected
    assert key_for(int(qt_key.value)) == expected  # plain int codes from QKeyEvent.key()


@pytest.mark.parametrize("qt_key", [Qt.Key.Key_A, Qt.Key.Key_Space, Qt.Key.Key_Tab, Qt.Key.Key_F12])
def test_other_keys_mean_nothing(qt_key: Qt.Key) -> None:
    assert key_for(qt_key) is None
