"""An XFS4IoT emulator per test on an ephemeral loopback port, and a sink tests can wait on."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from drivers.xfs4iot.emulator import Xfs4IotEmulator

TOKEN_KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF")
PIN_KEY = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
PAN = "6228480012345678903"
WAIT = 20.0  # generous: a loaded machine is slow, never wrong
T = TypeVar("T")


class Recorder:
    """An EventSink that keeps every event and lets the test wait for one."""

    def __init__(self) -> None:
        self.events: list[object] = []
        self._changed = threading.Condition()

    def __call__(self, event: object) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def mark(self) -> int:
        """A point in the stream: wait_for(..., since=mark) ignores what came before."""
        with self._changed:
            return len(self.events)

    def wait_for(
        self, kind: type[T], where: Callable[[T], bool] = lambda e: True, *, since: int = 0
    ) -> T:
        def found() -> T | None:
            later = self.events[since:]
            return next((e for e in later if isinstance(e, kind) and where(e)), None)

        with self._changed:
            assert self._changed.wait_for(lambda: found() is not None, WAIT), (kind, self.events)
            event = found()
        assert event is not None
        return event

    def of(self, kind: type[T]) -> list[T]:
        with self._changed:
            return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def emulator() -> Iterator[Xfs4IotEmulator]:
    emu = Xfs4IotEmulator(token_key=TOKEN_KEY, pin_key=PIN_KEY)
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
