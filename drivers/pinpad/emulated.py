"""An emulated encrypting PIN pad fed by the on-screen keypad (demo, tests, training).

It keeps the clear digits in a bytearray it wipes as soon as the block is made or entry ends,
and it emits only PinKeyEvent / PinBlockReady. No method returns a digit, and __repr__ shows
the count only, so neither a log line nor a crash dump can carry the PIN.
"""

from __future__ import annotations

import threading

from drivers.base import EventSink
from drivers.pinpad.base import PinBlockReady, PinFormat, PinKeyEvent, PinKeyKind
from drivers.pinpad.pinblock import PinBlockError, format0_encrypt, format4_encrypt
from kiosk.errors import ConfigError
from kiosk.events import Key


class PinKey:
    """The PIN encryption key, loaded from the environment (hex) — never from code or config."""

    def __init__(self, key: bytes, pin_format: PinFormat) -> None:
        sizes = (16, 24) if pin_format is PinFormat.ISO0 else (16, 24, 32)
        if len(key) not in sizes:
            raise ConfigError("pin key", f"{sizes} bytes for {pin_format.value}")
        self._key = key
        self.pin_format = pin_format

    @classmethod
    def from_env(cls, env: dict[str, str], name: str, pin_format: PinFormat) -> PinKey:
        text = env.get(name, "")
        try:
            key = bytes.fromhex(text)
        except ValueError as exc:
            raise ConfigError(f"env {name}", "the PIN key as hex") from exc
        if not key:
            raise ConfigError(f"env {name}", "the PIN key as hex (not set)")
        return cls(key, pin_format)

    def __repr__(self) -> str:
        return f"PinKey({self.pin_format.value}, <hidden>)"

    def encipher(self, pin: str, pan: str) -> bytes:
        if self.pin_format is PinFormat.ISO0:
            return format0_encrypt(pin, pan, self._key)
        return format4_encrypt(pin, pan, self._key)


class EmulatedPinPad:
    def __init__(self, device_id: str, key: PinKey, sink: EventSink) -> None:
        self.device_id = device_id
        self._key = key
        self._sink = sink
        self._lock = threading.Lock()
        self._buffer = bytearray()
        self._pan = ""
        self._min, self._max = 4, 6
        self._active = False

    def __repr__(self) -> str:
        return f"EmulatedPinPad({self.device_id!r}, digits={len(self._buffer)})"

    def begin(self, pan: str, *, min_digits: int = 4, max_digits: int = 6) -> None:
        with self._lock:
            self._wipe()
            self._pan, self._min, self._max = pan, min_digits, max_digits
            self._active = True

    def abort(self) -> None:
        with self._lock:
            self._wipe()
            self._active = False

    def press(self, key: Key) -> None:
        with self._lock:
            if not self._active:
                return
            event = self._handle(key)
        self._sink(event)

    def _handle(self, key: Key) -> PinKeyEvent | PinBlockReady:
        if key.is_digit:
            if len(self._buffer) >= self._max:
                return PinKeyEvent(self.device_id, PinKeyKind.REFUSED, len(self._buffer))
            self._buffer.append(ord(key.value))
            return PinKeyEvent(self.device_id, PinKeyKind.DIGIT, len(self._buffer))
        if key is Key.CLEAR:
            self._wipe()
            return PinKeyEvent(self.device_id, PinKeyKind.CLEAR, 0)
        if key is Key.CANCEL:
            self._wipe()
            self._active = False
            return PinKeyEvent(self.device_id, PinKeyKind.CANCEL, 0)
        if key is Key.ENTER:
            if len(self._buffer) < self._min:
                return PinKeyEvent(self.device_id, PinKeyKind.REFUSED, len(self._buffer))
            try:
                block = self._key.encipher(self._buffer.decode("ascii"), self._pan)
            except PinBlockError:
                self._wipe()
                return PinKeyEvent(self.device_id, PinKeyKind.CLEAR, 0)
            self._wipe()
            self._active = False
            return PinBlockReady(self.device_id, block.hex().upper(), self._key.pin_format)
        return PinKeyEvent(self.device_id, PinKeyKind.REFUSED, len(self._buffer))

    def _wipe(self) -> None:
        for i in range(len(self._buffer)):
            self._buffer[i] = 0
        self._buffer.clear()
