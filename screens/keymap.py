"""Physical keyboard -> keypad Key, so a PC keyboard or a USB PIN pad drives the same journey.

Numpad digits arrive with the same Qt key codes as the top row (only a modifier differs), so
a single code table covers both.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk.events import Key

_DIGITS: dict[int, Key] = {int(getattr(Qt.Key, f"Key_{n}").value): Key.digit(n) for n in range(10)}

_SPECIAL: dict[int, Key] = {
    int(Qt.Key.Key_Return.value): Key.ENTER,
    int(Qt.Key.Key_Enter.value): Key.ENTER,  # numpad Enter
    int(Qt.Key.Key_Escape.value): Key.CANCEL,
    int(Qt.Key.Key_Backspace.value): Key.CLEAR,
    int(Qt.Key.Key_F1.value): Key.HELP,
    int(Qt.Key.Key_F2.value): Key.LANGUAGE,
    int(Qt.Key.Key_F3.value): Key.PRIVACY,
    int(Qt.Key.Key_F4.value): Key.THEME,
    int(Qt.Key.Key_F5.value): Key.VOLUME_DOWN,
    int(Qt.Key.Key_F6.value): Key.VOLUME_UP,
    int(Qt.Key.Key_F7.value): Key.SLOWER,
    int(Qt.Key.Key_F8.value): Key.FASTER,
}

KEYMAP: dict[int, Key] = {**_DIGITS, **_SPECIAL}


def key_for(qt_key: int | Qt.Key) -> Key | None:
    """The keypad Key for a Qt key code (QKeyEvent.key()), or None when it means nothing here."""
    code = int(qt_key.value) if isinstance(qt_key, Qt.Key) else int(qt_key)
    return KEYMAP.get(code)
