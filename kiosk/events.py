"""One thread-safe bus carries every device, network and input event to the journey thread.

Device I/O threads publish; only the owner of the journey (headless loop or the Qt shell) drains.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass

from kiosk.keys import Key


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
