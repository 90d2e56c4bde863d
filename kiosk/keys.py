"""The keypad vocabulary shared by touch, the physical keypad and the voice mode."""

from __future__ import annotations

from enum import Enum


class Key(str, Enum):
    D0 = "0"
    D1 = "1"
    D2 = "2"
    D3 = "3"
    D4 = "4"
    D5 = "5"
    D6 = "6"
    D7 = "7"
    D8 = "8"
    D9 = "9"
    ENTER = "enter"
    CANCEL = "cancel"
    CLEAR = "clear"
    HELP = "help"  # repeats the current screen's prompt in voice mode
    LANGUAGE = "language"
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"
    FASTER = "faster"  # speech rate
    SLOWER = "slower"
    PRIVACY = "privacy"  # blanks / unblanks the screen (a sighted helper can look)
    THEME = "theme"  # large-text, high-contrast theme on / off

    @property
    def is_digit(self) -> bool:
        return self.value.isdigit()

    @classmethod
    def digit(cls, n: int) -> Key:
        return cls(str(n))
