"""One thread-safe bus carries every device, network and input event to the journey thread.

The keypad vocabulary (`Key`) is shared by touch, the physical keypad and the voice mode.

Device I/O threads publish; only the owner of the journey (headless loop or the Qt shell) drains.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
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


class EventBus:
    def __init__(self) -> None:
        self._queue: queue.Queue[object] = queue.Queue()

    def publish(self, event: object) -> None:
        self._queue.put(event)

    def get(self, timeout: float | None = None) -> object | None:
        """The next event, or None when none arrived within `timeout` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def drain(self) -> list[object]:
        events: list[object] = []
        while True:
            try:
                events.append(self._queue.get_nowait())
            except queue.Empty:
                return events


@dataclass(frozen=True)
class KeyPressed:
    key: Key


@dataclass(frozen=True)
class CustomerTouched:
    """A touch anywhere that is not a control: wakes the attract screen."""
