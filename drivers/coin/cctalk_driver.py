"""CcTalkCoinAcceptor: a ccTalk coin acceptor polled on one I/O thread.

Credit comes only from READ_BUFFERED_CREDIT and its event counter. Each read returns the last
five events and a counter that the device increments per event (1..255, then 1 again; 0 means
it was reset). The driver keeps the last counter it processed and takes exactly the events
after it, oldest first, so a coin is never counted twice (a repeated read changes nothing) and
never missed (a lost reply is just read again: the events are still in the buffer). More than
five new events, or a reset, is reported as CoinEventsLost rather than guessed.

Across a restart: a coin credited by the device while the host was dead (or after its event
was read but before the kiosk journaled it) is still in the buffer. The kiosk journals each
coin's event counter; set `resume_counter` to the last one journaled before `open()` and the
events after it are published at open instead of being skipped as history.
"""

from __future__ import annotations

import logging
import threading
import time

import serial

from drivers.base import DeviceHealth, DeviceState, EventSink
from drivers.cash.base import AcceptorStateChanged
from drivers.coin.base import CoinCredited, CoinEventsLost, CoinRejected
from drivers.coin.cctalk_protocol import (
    COIN_ACCEPTOR_ADDRESS,
    COIN_ERRORS,
    EVENT_SLOTS,
    FRAUD_ERRORS,
    HOST_ADDRESS,
    CcTalkEchoMismatch,
    CcTalkError,
    CcTalkNak,
    CcTalkTimeout,
    Header,
    coin_value_minor,
    decode,
    encode,
    frame_length,
    new_event_count,
    parse_buffered_credit,
)

log = logging.getLogger("drivers.coin.cctalk")


class CcTalkCoinAcceptor:
    def __init__(
        self,
        device_id: str,
        port: str,
        on_event: EventSink,
        *,
        currency: str = "CNY",
        address: int = COIN_ACCEPTOR_ADDRESS,
        poll_interval: float = 0.1,
        reply_timeout: float = 0.3,
        retries: int = 3,
        echo: bool = True,
    ) -> None:
        self.device_id = device_id
        self.currency = currency
        self._port_name = port
        self._on_event = on_event
        self._address = address
        self._poll_interval = poll_interval
        self._reply_timeout = reply_timeout
        self._retries = retries
        self._echo = echo
        self._serial: serial.Serial | None = None
        self._io = threading.Lock()  # one transaction on the wire at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_counter: int | None = None
        self.resume_counter: int | None = None  # last counter the kiosk journaled (see above)
        self.values_minor: dict[int, int] = {}  # channel -> coin value
        self._state, self._detail = DeviceState.OFFLINE, "not opened"
        self.counters = {"coins_credited": 0, "coin_errors": 0, "events_lost": 0, "retries": 0}

    # --- public API ---

    def open(self) -> None:
        """Opens the port, reads the coin table, takes the counter as the starting point."""
        self._serial = serial.Serial(
            self._port_name, baudrate=9600, bytesize=8, parity="N", stopbits=1, timeout=0.01
        )
        try:
            self.transact(Header.SIMPLE_POLL)
            for channel in range(1, 17):
                value = coin_value_minor(
                    self.transact(Header.REQUEST_COIN_ID, bytes([channel])).decode(
                        "ascii", "replace"
                    )
                )
                if value:
                    self.values_minor[channel] = value
            self._set_inhibits(False)
            if self.resume_counter is None:
                credit = parse_buffered_credit(self.transact(Header.READ_BUFFERED_CREDIT))
                self._last_counter = credit.counter
            else:
                self._last_counter = self.resume_counter
                self.poll_once()  # coins credited but never journaled: published now
        except CcTalkError:
            self._serial.close()
            raise
        self._set_state(DeviceState.ONLINE, "")
        self._thread = threading.Thread(target=self._run, name=f"cctalk-{self.device_id}")
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._serial is not None:
            try:
                self._set_inhibits(False)
            except CcTalkError as exc:
                log.warning("%s: could not inhibit on close: %s", self.device_id, exc)
            self._serial.close()

    def enable(self, channels: set[int] | None = None) -> None:
        """Accepts the given coin channels (all known coins by default)."""
        self._set_inhibits(True, channels)

    def disable(self) -> None:
        self._set_inhibits(False)

    def health(self) -> DeviceHealth:
        return DeviceHealth(self.device_id, self._state, self._detail, {}, dict(self.counters))

    def poll_once(self) -> None:
        """One READ_BUFFERED_CREDIT and the events after the last counter (also used by tests)."""
        credit = parse_buffered_credit(self.transact(Header.READ_BUFFERED_CREDIT))
        last = self._last_counter or 0
        if credit.counter == last:
            return
        if credit.counter == 0:
            self._lost(0, "device reset: its event buffer was cleared")
            self._last_counter = 0
            return
        new = new_event_count(last, credit.counter)
        if new > EVENT_SLOTS:
            self._lost(new - EVENT_SLOTS, f"{new} events since the last poll, 5 buffered")
            new = EVENT_SLOTS
        for age, (a, b) in reversed(list(enumerate(credit.events[:new]))):  # oldest first
            self._event(a, b, _counter_before(credit.counter, age))
        self._last_counter = credit.counter

    # --- wire ---

    def transact(self, header: int, data: bytes = b"") -> bytes:
        """One command with echo check and checksum; resent on timeout or corruption (every
        command this driver sends is idempotent, including the credit read)."""
        assert self._serial is not None
        frame = encode(self._address, HOST_ADDRESS, header, data)
        failure: CcTalkError = CcTalkTimeout(f"no reply to header {header}")
        with self._io:
            for attempt in range(self._retries + 1):
                if attempt:
                    self.counters["retries"] += 1
                    log.warning("%s: %s; resending", self.device_id, failure)
                self._serial.reset_input_buffer()
                self._serial.write(frame)
                try:
                    if self._echo and self._read_exact(len(frame)) != frame:
                        raise CcTalkEchoMismatch("echo differs from what was sent")
                    reply = decode(self._read_frame())
                except CcTalkError as exc:
                    failure = exc
                    continue
                if reply.dest != HOST_ADDRESS or reply.src != self._address:
                    failure = CcTalkError(f"reply from {reply.src} to {reply.dest}")
                    continue
                if reply.header == Header.NAK:
                    raise CcTalkNak(f"header {header} refused")
                return reply.data
        raise failure

    def _read_exact(self, n: int) -> bytes:
        assert self._serial is not None
        deadline = time.monotonic() + self._reply_timeout
        out = bytearray()
        while len(out) < n and time.monotonic() < deadline:
            out += self._serial.read(n - len(out))
        if len(out) < n:
            raise CcTalkTimeout(f"{len(out)} of {n} bytes within {self._reply_timeout}s")
        return bytes(out)

    def _read_frame(self) -> bytes:
        head = self._read_exact(2)
        need = frame_length(head)
        assert need is not None
        return head + self._read_exact(need - 2)

    # --- I/O thread ---

    def _run(self) -> None:
        while not self._stop.wait(self._poll_interval):
            try:
                self.poll_once()
                if self._state is not DeviceState.ONLINE:
                    self._set_state(DeviceState.ONLINE, "")
            except CcTalkError as exc:
                log.error("%s: %s", self.device_id, exc)
                self._set_state(DeviceState.OFFLINE, str(exc))

    def _set_inhibits(self, accept: bool, channels: set[int] | None = None) -> None:
        wanted = set(self.values_minor) if channels is None else channels
        mask = sum(1 << (ch - 1) for ch in wanted) if accept else 0
        self.transact(Header.MODIFY_INHIBIT_STATUS, mask.to_bytes(2, "little"))
        self.transact(Header.MODIFY_MASTER_INHIBIT, bytes([1 if accept else 0]))

    def _event(self, a: int, b: int, counter: int) -> None:
        if a:
            self.counters["coins_credited"] += 1
            value = self.values_minor.get(a, 0)
            self._publish(CoinCredited(self.device_id, a, value, self.currency, counter))
        elif b:
            self.counters["coin_errors"] += 1
            reason = COIN_ERRORS.get(b, f"error {b}")
            self._publish(CoinRejected(self.device_id, b, reason, b in FRAUD_ERRORS))
            if b in FRAUD_ERRORS:
                self._set_state(DeviceState.FRAUD_ATTEMPT, reason)

    def _lost(self, count: int, reason: str) -> None:
        self.counters["events_lost"] += max(count, 1)
        log.error("%s: events lost: %s", self.device_id, reason)
        self._publish(CoinEventsLost(self.device_id, count, reason))

    def _set_state(self, state: DeviceState, detail: str) -> None:
        if (state, detail) != (self._state, self._detail):
            self._state, self._detail = state, detail
            self._publish(AcceptorStateChanged(self.device_id, state, detail))

    def _publish(self, event: object) -> None:
        try:
            self._on_event(event)
        except Exception:  # a broken subscriber must not stop the money path
            log.exception("%s: event handler failed on %r", self.device_id, event)


def _counter_before(counter: int, age: int) -> int:
    """The event counter `age` events before `counter` (1..255, wrapping 1 -> 255)."""
    return (counter - 1 - age) % 255 + 1
