"""Xfs4IotPinPad: the PIN pad contract (drivers/pinpad/base.py) over an XFS4IoT EPP service.

The digits are typed on the EPP's own keyboard and never enter this process: `begin` starts
`Keyboard.PinEntry`, each `Keyboard.KeyEvent` becomes a PinKeyEvent that says only that a digit
was entered (and how many there are now, for the dots), Clear resets the count, Cancel ends the
entry; after Enter the pad is asked for `PinPad.GetPinBlock` in ISO 9564 format 4 under its AES
PIN key, which arrives as PinBlockReady. Journeys see exactly the events the emulated pad sends.
`press` does nothing: an on-screen key cannot type into a real EPP, by design.
A device failure during entry is reported as PinPadFault and then as a cancel, so the journey
ends the way it does when the customer cancels (the card is returned, nothing is sent).
"""

from __future__ import annotations

import base64
import binascii
import logging
from concurrent.futures import Future
from dataclasses import dataclass

from drivers.base import DeviceHealth, DeviceState, EventSink
from drivers.pinpad.base import PinBlockReady, PinFormat, PinKeyEvent, PinKeyKind
from drivers.xfs4iot.correlation import Command
from drivers.xfs4iot.device_link import DeviceLink
from drivers.xfs4iot.errors import Canceled, ServiceOffline, Xfs4IotError
from drivers.xfs4iot.messages import Message, Payload
from kiosk.events import Key

log = logging.getLogger("drivers.xfs4iot.pinpad")
GET_PIN_BLOCK = "PinPad.GetPinBlock"
DIGIT_KEYS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True)
class PinPadFault:
    """The EPP failed during PIN entry (typed code); a PinKeyEvent CANCEL follows."""

    device_id: str
    code: str
    detail: str = ""


@dataclass(frozen=True)
class PinPadStateChanged:
    device_id: str
    state: DeviceState
    detail: str = ""


class Xfs4IotPinPad:
    def __init__(
        self,
        device_id: str,
        uri: str,
        sink: EventSink,
        *,
        key_name: str = "PINKEY",
        entry_timeout_s: float = 120.0,
        open_timeout_s: float = 10.0,
    ) -> None:
        self.device_id = device_id
        self._sink, self._key_name = sink, key_name
        self._entry_timeout = entry_timeout_s
        self._link = DeviceLink(
            device_id, uri, sink, PinPadStateChanged, open_timeout_s=open_timeout_s
        )
        self._lock = self._link.lock
        self._entry: Command | None = None
        self._aborted: set[int] = set()
        self._pan = ""
        self._digits = 0

    def __repr__(self) -> str:
        return f"Xfs4IotPinPad({self.device_id!r}, digits={self._digits})"

    def open(self) -> None:
        """Finds the EPP (a publisher URI is asked for its PinPad) and checks it does format 4."""
        connection = self._link.open("PinPad", on_unsolicited=lambda message: None)
        try:
            pinpad = connection.call("Common.Capabilities").get("pinPad")
            formats = pinpad.get("pinFormats") if isinstance(pinpad, dict) else None
            if not isinstance(formats, dict) or not formats.get("iso4"):
                raise Xfs4IotError(f"{connection.uri} makes no ISO 9564 format 4", command="open")
            self._link.apply_status(connection.call("Common.Status"))
        except Xfs4IotError:
            connection.stop()  # no I/O thread outlives a failed open
            raise

    def close(self) -> None:
        self.abort()
        self._link.stop()

    def health(self) -> DeviceHealth:
        with self._lock:
            return DeviceHealth(self.device_id, self._link.state, self._link.detail)

    # --- the PinPad contract ---

    def begin(self, pan: str, *, min_digits: int = 4, max_digits: int = 6) -> None:
        self.abort()
        keys: dict[str, dict[str, bool]] = {k: {"terminate": False} for k in DIGIT_KEYS}
        keys |= {"enter": {"terminate": True}, "cancel": {"terminate": True}}
        keys["clear"] = {"terminate": False}
        request = {"minLen": min_digits, "maxLen": max_digits, "autoEnd": False, "activeKeys": keys}
        connection = self._link.connection
        if connection is None:
            self._fail(ServiceOffline("not opened", command="Keyboard.PinEntry"))
            return
        with self._lock:
            self._pan, self._digits = pan, 0
            entry = connection.submit(
                "Keyboard.PinEntry", request, timeout_s=self._entry_timeout, on_event=self._on_key
            )
            self._entry = entry
        entry.future.add_done_callback(lambda f: self._entry_done(entry, f))

    def press(self, key: Key) -> None:
        """Ignored: the PIN is typed on the EPP itself, never through the application."""
        log.debug("%s: on-screen %s ignored (EPP keys only)", self.device_id, key.name)

    def abort(self) -> None:
        with self._lock:
            entry, self._entry, self._digits = self._entry, None, 0
            if entry is not None:
                self._aborted.add(entry.request_id)
        connection = self._link.connection
        if entry is not None and not entry.future.done() and connection is not None:
            connection.cancel(entry.request_id)

    # --- the I/O thread ---

    def _current(self, entry: Command) -> bool:
        with self._lock:
            return self._entry is entry

    def _on_key(self, message: Message) -> None:
        if message.name != "Keyboard.KeyEvent":
            return
        completion = message.payload.get("completion")
        with self._lock:
            if completion == "continue":
                self._digits += 1
                event = PinKeyEvent(self.device_id, PinKeyKind.DIGIT, self._digits)
            elif completion in ("clear", "backspace"):
                self._digits = 0
                event = PinKeyEvent(self.device_id, PinKeyKind.CLEAR, 0)
            else:
                return  # enter and cancel are reported by the entry's completion
        self._sink(event)

    def _entry_done(self, entry: Command, future: Future[Payload]) -> None:
        with self._lock:
            aborted = entry.request_id in self._aborted
            self._aborted.discard(entry.request_id)
        if aborted or not self._current(entry):
            return
        try:
            completion = future.result().get("completion")
        except Canceled:
            completion = "cancel"
        except Xfs4IotError as exc:
            self._fail(exc)
            return
        if completion in ("enter", "auto"):
            self._request_block(entry)
            return
        with self._lock:
            self._entry, self._digits = None, 0
        self._sink(PinKeyEvent(self.device_id, PinKeyKind.CANCEL, 0))

    def _request_block(self, entry: Command) -> None:
        request = {"customerData": self._pan, "format": "iso4", "key": self._key_name}
        sent = self._link.submit("PinPad.GetPinBlock", request)

        def done(f: Future[Payload]) -> None:
            if not self._current(entry):
                return
            try:
                block = base64.b64decode(str(f.result().get("data") or ""), validate=True)
            except (binascii.Error, ValueError):
                self._fail(Xfs4IotError("PIN block is not base64", command=GET_PIN_BLOCK))
                return
            except Xfs4IotError as exc:
                self._fail(exc)
                return
            if len(block) != 16:
                self._fail(Xfs4IotError("format 4 block is not 16 bytes", command=GET_PIN_BLOCK))
                return
            with self._lock:
                self._entry, self._digits = None, 0
            self._sink(PinBlockReady(self.device_id, block.hex().upper(), PinFormat.ISO4))

        sent.add_done_callback(done)

    def _fail(self, error: Xfs4IotError) -> None:
        with self._lock:
            self._entry, self._digits = None, 0
        self._sink(PinPadFault(self.device_id, error.code, str(error)))
        self._sink(PinKeyEvent(self.device_id, PinKeyKind.CANCEL, 0))
