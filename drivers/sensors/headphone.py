"""Headphone jack sensors: Linux input switch SW_HEADPHONE_INSERT, and an emulated jack.

The kernel reports the jack as an input device with an EV_SW switch; the current state is read
with EVIOCGSW at open (a customer may already be plugged in) and changes arrive as input_event
records. One I/O thread per sensor, started and stopped explicitly; events go to the sink.
"""

from __future__ import annotations

import fcntl
import logging
import os
import select
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

from drivers.base import DeviceHealth, DeviceState, EventSink
from kiosk.errors import DeviceError

log = logging.getLogger(__name__)

EV_SW = 0x05
SW_HEADPHONE_INSERT = 0x02
SW_MAX = 0x10
# struct input_event on 64-bit Linux: timeval (two longs), u16 type, u16 code, s32 value
INPUT_EVENT = struct.Struct("llHHi")


def _eviocgsw(length: int) -> int:
    """_IOC(_IOC_READ, 'E', 0x1b, len): read the switch state bitmap."""
    return (2 << 30) | (length << 16) | (ord("E") << 8) | 0x1B


@dataclass(frozen=True)
class HeadphoneChanged:
    device_id: str
    inserted: bool


class JackError(DeviceError):
    code = "JACK_UNAVAILABLE"


class EvdevHeadphoneJack:
    """Reads SW_HEADPHONE_INSERT from /dev/input/eventN (configured by path)."""

    def __init__(self, device_id: str, path: Path, on_event: EventSink) -> None:
        self.device_id = device_id
        self._path = path
        self._on_event = on_event
        self._fd: int | None = None
        self._stop_r, self._stop_w = -1, -1
        self._thread: threading.Thread | None = None
        self.inserted = False

    def open(self) -> None:
        try:
            self._fd = os.open(self._path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            raise JackError(f"cannot open {self._path}: {exc.strerror}") from exc
        self.inserted = self._read_state()
        self._on_event(HeadphoneChanged(self.device_id, self.inserted))
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name=f"{self.device_id}-jack")
        self._thread.start()

    def _read_state(self) -> bool:
        assert self._fd is not None
        bitmap = bytearray((SW_MAX + 8) // 8)
        try:
            fcntl.ioctl(self._fd, _eviocgsw(len(bitmap)), bitmap)
        except OSError as exc:  # not a switch device, or a regular file in tests
            log.warning("%s: no switch state (%s); assuming unplugged", self.device_id, exc)
            return False
        return bool(bitmap[SW_HEADPHONE_INSERT // 8] >> (SW_HEADPHONE_INSERT % 8) & 1)

    def _run(self) -> None:
        assert self._fd is not None
        pending = b""
        while True:
            ready, _, _ = select.select([self._fd, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                pending += os.read(self._fd, INPUT_EVENT.size * 16)
            except BlockingIOError:
                continue
            except OSError as exc:
                log.error("%s: read failed: %s", self.device_id, exc)
                return
            while len(pending) >= INPUT_EVENT.size:
                _, _, kind, code, value = INPUT_EVENT.unpack_from(pending)
                pending = pending[INPUT_EVENT.size :]
                if kind == EV_SW and code == SW_HEADPHONE_INSERT and bool(value) != self.inserted:
                    self.inserted = bool(value)
                    self._on_event(HeadphoneChanged(self.device_id, self.inserted))

    def close(self) -> None:
        if self._thread is not None:
            os.write(self._stop_w, b"x")
            self._thread.join(timeout=5)
            self._thread = None
        for fd in (self._fd, self._stop_r, self._stop_w):
            if fd is not None and fd >= 0:
                os.close(fd)
        self._fd, self._stop_r, self._stop_w = None, -1, -1

    def health(self) -> DeviceHealth:
        state = DeviceState.ONLINE if self._thread is not None else DeviceState.OFFLINE
        return DeviceHealth(self.device_id, state, "inserted" if self.inserted else "unplugged")


class EmulatedHeadphoneJack:
    """The demo's and tests' jack: `plug()` and `unplug()` stand in for a customer's hand."""

    def __init__(self, device_id: str, on_event: EventSink) -> None:
        self.device_id = device_id
        self._on_event = on_event
        self.inserted = False
        self._open = False

    def open(self) -> None:
        self._open = True

    def close(self) -> None:
        self._open = False

    def plug(self) -> None:
        self._set(True)

    def unplug(self) -> None:
        self._set(False)

    def _set(self, inserted: bool) -> None:
        if self._open and inserted != self.inserted:
            self.inserted = inserted
            self._on_event(HeadphoneChanged(self.device_id, inserted))

    def health(self) -> DeviceHealth:
        state = DeviceState.ONLINE if self._open else DeviceState.OFFLINE
        return DeviceHealth(self.device_id, state, "inserted" if self.inserted else "unplugged")
