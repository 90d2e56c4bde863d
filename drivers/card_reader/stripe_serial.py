"""StripeSerialReader: the magnetic-stripe head of a hybrid reader, on a serial port.

The chip side of a hybrid reader is PC/SC (drivers/card_reader/pcsc.py); its stripe head talks
its own serial protocol (drivers/card_reader/stripe_protocol.py). One I/O thread owns the port:
it deframes what the head sends, answers ACK/NAK, asks for the status every few seconds (a head
that stops answering is Offline, one that answers again is Online) and reopens the port when it
disappears (a USB-serial adapter unplugged). Nothing the head sends can stop the thread:
line noise is skipped, a damaged frame is NAKed so the head resends it, a frame in the wrong
layout is counted and dropped.

A swipe is parsed here (ISO 7813, LRC checked, service code checked) and published as
StripeRead with typed card data or StripeReadFailed with a card error code; a chip card swiped
is refused with CARD_USE_CHIP so the customer is asked to insert it. Track data never reaches a
log line: only error codes and counters do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date

import serial

from drivers.base import DeviceHealth, DeviceState, EventSink
from drivers.card_reader.base import ReaderStateChanged, StripeRead, StripeReadFailed
from drivers.card_reader.errors import CardError, StripeUnreadable
from drivers.card_reader.magstripe import card_from_stripe, parse_track1
from drivers.card_reader.stripe_protocol import (
    ACK,
    NAK,
    TRACK_ERROR,
    Ack,
    BadFrame,
    BadSwipe,
    Frame,
    FrameReader,
    Nak,
    Status,
    Swipe,
    encode,
    parse_swipe,
)

log = logging.getLogger("drivers.card_reader.stripe")
STATUS_QUERY = encode(b"Q")
DUPLICATE_WINDOW_S = 2.0  # a resent swipe (our ACK was lost) arrives well within this


class StripeSerialReader:
    def __init__(
        self,
        device_id: str,
        port: str,
        on_event: EventSink,
        *,
        today: Callable[[], date],
        baudrate: int = 9600,
        status_every: float = 2.0,
        answer_timeout: float = 0.3,
        retries: int = 3,
        retry_s: float = 1.0,
        require_lrc: bool = True,
    ) -> None:
        self.device_id = device_id
        self.port = port
        self._on_event = on_event
        self._today = today
        self.baudrate = baudrate
        self._status_every = status_every
        self._answer_timeout = answer_timeout
        self._retries = retries
        self._retry_s = retry_s
        self.require_lrc = require_lrc
        self._serial: serial.Serial | None = None
        self._frames = FrameReader()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state, self._detail = DeviceState.OFFLINE, "not started"
        self._status_due = 0.0
        self._answer_due: float | None = None  # a status query is waiting for its reply
        self._attempts = 0
        self._last_swipe: tuple[str, float] = ("", -DUPLICATE_WINDOW_S)
        self.counters = {
            "swipes": 0,
            "swipes_refused": 0,
            "frames_rejected": 0,
            "messages_dropped": 0,
            "bytes_skipped": 0,
            "resends": 0,
            "duplicates": 0,
        }

    # --- public API ---

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"stripe-{self.device_id}")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._close()

    def health(self) -> DeviceHealth:
        self.counters["bytes_skipped"] = self._frames.skipped
        return DeviceHealth(self.device_id, self._state, self._detail, {}, dict(self.counters))

    # --- I/O thread ---

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._serial is None and not self._open():
                self._stop.wait(self._retry_s)
                continue
            try:
                data = self._read_available()
                for token in self._frames.feed(data):
                    self._token(token)
                self._timers(time.monotonic())
            except (OSError, serial.SerialException) as exc:
                log.warning("%s: port lost: %s", self.device_id, exc)
                self._close()
                self._set_state(DeviceState.OFFLINE, "serial port lost")

    def _open(self) -> bool:
        try:
            self._serial = serial.Serial(self.port, baudrate=self.baudrate, timeout=0.05)
        except (OSError, serial.SerialException) as exc:
            self._set_state(DeviceState.OFFLINE, f"cannot open {self.port}: {exc.errno}")
            return False
        self._frames.reset()
        self._answer_due, self._status_due = None, 0.0  # ask at once: is anybody there?
        return True

    def _close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (OSError, serial.SerialException) as exc:
                log.debug("%s: close: %s", self.device_id, exc)
            self._serial = None

    def _read_available(self) -> bytes:
        """Waits up to the port timeout for a first byte, then takes whatever else arrived:
        a swipe is handled as soon as its bytes are in, not when a fixed-size read times out."""
        assert self._serial is not None
        data = self._serial.read(1)
        waiting = self._serial.in_waiting
        return data + self._serial.read(waiting) if data and waiting else data

    def _write(self, data: bytes) -> None:
        assert self._serial is not None
        self._serial.write(data)

    def _timers(self, now: float) -> None:
        if self._answer_due is not None and now >= self._answer_due:
            if self._attempts > self._retries:
                self._answer_due = None
                self._status_due = now + self._status_every
                self._set_state(DeviceState.OFFLINE, "stripe head does not answer")
            else:
                self._send_query(now, resend=True)
        elif self._answer_due is None and now >= self._status_due:
            self._attempts = 0
            self._send_query(now, resend=False)

    def _send_query(self, now: float, *, resend: bool) -> None:
        if resend:
            self.counters["resends"] += 1
        self._attempts += 1
        self._answer_due = now + self._answer_timeout
        self._write(STATUS_QUERY)

    def _token(self, token: Frame | BadFrame | Ack | Nak) -> None:
        if isinstance(token, BadFrame):
            self.counters["frames_rejected"] += 1
            log.warning("%s: frame rejected (%s): NAK", self.device_id, token.reason)
            self._write(bytes([NAK]))
        elif isinstance(token, Nak) and self._answer_due is not None:
            self._send_query(time.monotonic(), resend=True)  # our query arrived damaged
        elif isinstance(token, Frame):
            self._write(bytes([ACK]))
            self._message(token.payload)

    def _message(self, payload: bytes) -> None:
        if payload[:1] == b"R" and len(payload) == 2:
            self._answer_due = None
            self._status_due = time.monotonic() + self._status_every
            if payload[1:2] == Status.READY.value.encode():
                self._set_state(DeviceState.ONLINE, "")
            else:
                self._set_state(DeviceState.HARDWARE_ERROR, "stripe head reports a fault")
            return
        try:
            swipe = parse_swipe(payload)
        except BadSwipe as exc:
            self.counters["messages_dropped"] += 1
            log.warning("%s: message dropped: %s", self.device_id, exc)
            return
        now = time.monotonic()
        if swipe.seq == self._last_swipe[0] and now - self._last_swipe[1] < DUPLICATE_WINDOW_S:
            self.counters["duplicates"] += 1
            return
        self._last_swipe = (swipe.seq, now)
        event = swipe_event(self.device_id, swipe, self._today(), require_lrc=self.require_lrc)
        self.counters["swipes" if isinstance(event, StripeRead) else "swipes_refused"] += 1
        self._on_event(event)

    def _set_state(self, state: DeviceState, detail: str) -> None:
        if (state, detail) == (self._state, self._detail):
            return
        self._state, self._detail = state, detail
        log.info("%s: %s %s", self.device_id, state.value, detail)
        self._on_event(ReaderStateChanged(self.device_id, state, detail))


def swipe_event(
    device_id: str, swipe: Swipe, today: date, *, require_lrc: bool = True
) -> StripeRead | StripeReadFailed:
    """Track 2 carries what the core authorises; track 1 adds the name and must agree with it,
    but a track 1 the head misread is dropped rather than failing a good track 2."""
    track1: str | None = swipe.track1
    if track1 in ("", TRACK_ERROR):
        track1 = None
    elif track1 is not None:
        try:
            parse_track1(track1, require_lrc=require_lrc)
        except StripeUnreadable:
            log.info("%s: track 1 unreadable, using track 2 alone", device_id)
            track1 = None
    try:
        if swipe.track2 in ("", TRACK_ERROR):
            raise StripeUnreadable("track 2 missing or misread")
        card = card_from_stripe(swipe.track2, track1, today=today, require_lrc=require_lrc)
    except CardError as exc:
        log.info("%s: swipe refused: %s", device_id, exc.code)
        return StripeReadFailed(device_id, exc.code)
    return StripeRead(device_id, card)
