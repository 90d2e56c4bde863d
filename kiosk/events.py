"""One thread-safe bus carries every device, network and input event to the journey thread.

The keypad vocabulary (`Key`) is shared by touch, the physical keypad and the voice mode.

Device I/O threads publish; only the owner of the journey (headless loop or the Qt shell) drains.
The owner may register a waker: a callable the bus runs after a publish from any thread, so the
owner can drain at once instead of polling (the Qt shell posts a queued call to its GUI thread).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

log = logging.getLogger(__name__)


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
        self._lock = threading.Lock()
        self._waker: Callable[[], None] | None = None
        self._wake_pending = False  # a wake is on its way and the owner has not drained since

    def set_waker(self, waker: Callable[[], None] | None) -> None:
        """`waker` runs after a publish (on the publishing thread) when no wake is pending yet:
        publishes between two drains cost one wake. It must be quick and thread-safe, only
        schedule the drain (never drain itself). None removes it."""
        with self._lock:
            self._waker = waker
            self._wake_pending = False

    def publish(self, event: object) -> None:
        self._queue.put(event)
        with self._lock:
            waker = self._waker
            if waker is None or self._wake_pending:
                return
            self._wake_pending = True
        try:
            waker()
        except Exception:  # a broken waker must never take a device thread down with it
            log.exception("event bus: the waker failed; the owner's next drain picks it up")
            self._drained()

    def _drained(self) -> None:
        """The owner is draining: the next publish must wake it again. Cleared BEFORE the queue
        is read, so an event put after this always brings a new wake."""
        with self._lock:
            self._wake_pending = False

    def get(self, timeout: float | None = None) -> object | None:
        """The next event, or None when none arrived within `timeout` seconds."""
        self._drained()
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def drain(self) -> list[object]:
        self._drained()
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
