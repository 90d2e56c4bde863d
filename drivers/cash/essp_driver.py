"""EsspAcceptor: an NV-series banknote validator over SSP or encrypted eSSP, one I/O thread.

Sequence bit: SYNC is always sent with the bit set (the documented vector 7F 80 01 11 65 82);
the ITL manual says SYNC makes the device expect the *other* bit next, so the first command
after SYNC goes out with the bit clear and every new command toggles it. A resend after a
timeout or bad CRC keeps the same bit, so the device repeats its last reply instead of
executing twice — that is what makes a lost CREDIT reply safe.

With `fixed_key` (the validator's 64-bit fixed key) the link is eSSP: a new key is negotiated
after every SYNC and only sealed replies are believed (drivers/cash/essp_link.py, docs/essp.md).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass

import serial

from drivers.base import DeviceHealth, DeviceState, EventSink
from drivers.cash.base import (
    AcceptorAlarm,
    AcceptorStateChanged,
    AlarmKind,
    CashCapabilities,
    NoteCredited,
    NoteInEscrow,
    NoteReturned,
)
from drivers.cash.essp_crypto import EsspKeyNotSet, Session
from drivers.cash.essp_link import EsspLink
from drivers.cash.essp_protocol import (
    HOST_PROTOCOL,
    REJECT_REASONS,
    Command,
    Counters,
    EsspError,
    EsspNak,
    Event,
    FrameDecoder,
    PollEvent,
    UnknownEvent,
    parse_counters,
    parse_poll_events,
    parse_setup,
)
from drivers.cash.essp_settle import SettleSteps

log = logging.getLogger("drivers.cash.essp")

_FAULTS = {
    Event.SAFE_JAM: (DeviceState.HARDWARE_ERROR, "note jammed inside (safe); clear the note path"),
    Event.UNSAFE_JAM: (DeviceState.HARDWARE_ERROR, "note jammed in the bezel; clear the path"),
    Event.STACKER_FULL: (DeviceState.HARDWARE_ERROR, "cashbox full; empty the cashbox"),
    Event.CASHBOX_REMOVED: (DeviceState.USER_ERROR, "cashbox removed"),
    Event.FRAUD: (DeviceState.FRAUD_ATTEMPT, "fraud attempt detected"),
}
_CLEARING = {Event.CASHBOX_REPLACED, Event.NOTE_CLEARED_FROM_FRONT, Event.STACKED, Event.CREDIT}
_ALARMS = {
    Event.SAFE_JAM: AlarmKind.SAFE_JAM,
    Event.UNSAFE_JAM: AlarmKind.UNSAFE_JAM,
    Event.STACKER_FULL: AlarmKind.STACKER_FULL,
    Event.FRAUD: AlarmKind.FRAUD,
    Event.CASHBOX_REMOVED: AlarmKind.CASHBOX_REMOVED,
    Event.CASHBOX_REPLACED: AlarmKind.CASHBOX_REPLACED,
    Event.SLAVE_RESET: AlarmKind.DEVICE_RESET,
}


@dataclass
class _Query:
    """A raw command whose reply a caller on another thread waits for."""

    data: bytes
    reply: Future[bytes]


class EsspAcceptor(EsspLink, SettleSteps):
    def __init__(
        self,
        device_id: str,
        port: str,
        on_event: EventSink,
        *,
        address: int = 0,
        poll_interval: float = 0.2,
        reply_timeout: float = 0.5,
        retries: int = 3,
        fixed_key: int | None = None,
    ) -> None:
        self.device_id = device_id
        self._port_name = port
        self._on_event = on_event
        self._address = address
        self._poll_interval = poll_interval
        self._reply_timeout = reply_timeout
        self._retries = retries
        self._fixed_key = fixed_key  # None: plain SSP (no encryption asked of the device)
        self._session: Session | None = None
        self._line_fraud = False  # a forged credit was refused: out of service until reset
        self._serial: serial.Serial | None = None
        self._decoder = FrameDecoder()
        self._seq = True
        self._commands: queue.Queue[str | _Query] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._opened = threading.Event()
        self._open_error: BaseException | None = None
        self._lock = threading.Lock()
        self._state, self._detail = DeviceState.OFFLINE, "not opened"
        names = ("notes_credited", "notes_rejected", "comm_errors")
        names += ("plain_refused", "fraud_refused", "replays_refused", "crypto_errors")  # eSSP
        self._counters = dict.fromkeys(names, 0)
        self._capabilities = CashCapabilities("", ())
        self._enabled = False  # wanted state, re-applied after a resync
        self._escrow: int | None = None  # channel held in escrow
        self._hold = False  # True while the host has not decided on the escrowed note
        self._pending: deque[str | _Query] = deque()  # not yet sent (kept while offline)
        self._needs_setup = False
        self._accept_mask: int | None = None  # None: every channel the device reports
        self.serial_number: int | None = None
        self.counters_at_open: Counters | None = None  # read once the note path was idle
        self._stacked_known: int | None = None  # device's stacked counter as our events say

    @property
    def capabilities(self) -> CashCapabilities:
        return self._capabilities

    @property
    def stacked_at_open(self) -> int | None:
        return None if self.counters_at_open is None else self.counters_at_open.stacked

    # --- public API (any thread) ---

    def open(self) -> None:
        """Opens the port and syncs on the I/O thread; raises EsspError if the device is mute."""
        self._serial = serial.Serial(
            self._port_name,
            baudrate=9600,
            bytesize=serial.EIGHTBITS,
            parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_TWO,
            timeout=min(0.02, self._reply_timeout),
        )
        self._thread = threading.Thread(
            target=self._run, name=f"essp-{self.device_id}", daemon=False
        )
        self._thread.start()
        self._opened.wait()
        if self._open_error is not None:
            self._thread.join()
            self._serial.close()
            raise self._open_error

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._commands.put("disable")
            self._commands.put("stop")
            self._thread.join()
        if self._serial is not None:
            self._serial.close()

    def enable(self) -> None:
        self._commands.put("enable")

    def disable(self) -> None:
        self._commands.put("disable")

    def accept_escrow(self) -> None:
        self._commands.put("accept")

    def reject_escrow(self) -> None:
        self._commands.put("reject")

    def set_accepted(self, values_minor: set[int] | frozenset[int]) -> None:
        """Per-denomination inhibits: only these note values are let in (the rest bounce
        at the bezel without ever reaching escrow). Re-applied after every resync."""
        values = self._capabilities.denominations_minor
        self._accept_mask = sum(1 << k for k, v in enumerate(values) if v in values_minor)
        self._commands.put("inhibits")

    def reset(self) -> None:
        """Reboots the validator (technician action); the driver resyncs when it is back."""
        self._commands.put("reset")

    def query(self, data: bytes, timeout: float = 5.0) -> bytes:
        """Sends one raw command on the I/O thread and returns the reply after OK."""
        item = _Query(data, Future())
        self._commands.put(item)
        return item.reply.result(timeout)

    def read_counters(self) -> Counters:
        return parse_counters(self.query(bytes([Command.GET_COUNTERS])))

    def last_reject(self) -> tuple[int, str]:
        """Why the last note was refused, for the technician screen."""
        code = self.query(bytes([Command.LAST_REJECT_CODE]))[0]
        return code, REJECT_REASONS.get(code, f"code 0x{code:02X}")

    def health(self) -> DeviceHealth:
        with self._lock:
            return DeviceHealth(self.device_id, self._state, self._detail, {}, dict(self._counters))

    # --- I/O thread ---

    def _run(self) -> None:
        try:
            self._setup()
            self._settle_at_open()
        except (EsspError, OSError) as exc:
            self._open_error = exc
            self._opened.set()
            return
        self._opened.set()
        self._set_state(DeviceState.ONLINE, "")
        while True:
            try:
                command = self._commands.get(timeout=self._poll_interval)
            except queue.Empty:
                command = None
            if command == "stop":
                return
            if command is not None:
                self._pending.append(command)
            try:
                if self._state is DeviceState.OFFLINE or self._needs_setup:
                    self._resync()
                    continue
                while self._pending:
                    self._run_command(self._pending[0])
                    self._pending.popleft()
                self._poll()
            except EsspKeyNotSet:
                self._needs_setup = True  # the command stays pending until the new key is set
            except EsspNak as exc:
                refused = self._pending.popleft() if self._pending else None
                if isinstance(refused, _Query):
                    refused.reply.set_exception(exc)
                log.warning("%s: %s", self.device_id, exc)  # repeating it will not help
            except (EsspError, OSError) as exc:
                log.error("%s: device not answering (%s)", self.device_id, exc)
                self._set_state(DeviceState.OFFLINE, str(exc))

    def _setup(self) -> None:
        self._sync_and_key()
        self._transact(bytes([Command.HOST_PROTOCOL_VERSION, HOST_PROTOCOL]))
        info = parse_setup(self._transact(bytes([Command.SETUP_REQUEST])))
        self._capabilities = CashCapabilities(info.currency, info.values_minor)
        self._send_inhibits()
        self.serial_number = int.from_bytes(self._transact(bytes([Command.GET_SERIAL]))[:4], "big")
        self._transact(bytes([Command.ENABLE if self._enabled else Command.DISABLE]))
        log.info("%s: synced, %s %s", self.device_id, info.currency, info.values_minor)

    def _send_inhibits(self) -> None:
        n = len(self._capabilities.denominations_minor)
        mask = (1 << n) - 1 if self._accept_mask is None else self._accept_mask
        self._transact(
            bytes([Command.SET_INHIBITS]) + mask.to_bytes(max(2, (n + 7) // 8), "little")
        )

    def _run_command(self, command: str | _Query) -> None:
        if isinstance(command, _Query):
            command.reply.set_result(self._transact(command.data))
        elif command == "inhibits":
            self._send_inhibits()
        elif command == "reset":
            self._escrow, self._hold, self._line_fraud = None, False, False
            self._transact(bytes([Command.RESET]))
            self._needs_setup = True
        elif command in ("enable", "disable"):
            self._enabled = command == "enable"
            self._transact(bytes([Command.ENABLE if self._enabled else Command.DISABLE]))
        elif command == "accept" and self._escrow is not None:
            self._hold = False  # the next POLL stacks the note
        elif command == "reject" and self._escrow is not None:
            self._hold = False
            self._transact(bytes([Command.REJECT]))
        else:
            log.warning("%s: %s ignored, no note in escrow", self.device_id, command)

    def _poll(self) -> None:
        if self._hold:
            try:
                self._transact(bytes([Command.HOLD]))  # keeps the note, resets its timeout
                return
            except EsspNak:
                # No note to hold any more (returned while we were offline): POLL to learn how.
                self._hold = False
        for event in parse_poll_events(self._transact(bytes([Command.POLL]))):
            self._handle_event(event)

    def _handle_event(self, event: PollEvent | UnknownEvent) -> None:
        if isinstance(event, UnknownEvent):
            log.warning("%s: unknown poll event 0x%02X", self.device_id, event.code)
            return
        code, channel = event.code, event.channel or 0
        currency, values = self._capabilities.currency, self._capabilities.denominations_minor
        value = values[channel - 1] if 0 < channel <= len(values) else 0
        if code is Event.READ and channel and self._escrow is None:
            self._escrow, self._hold = channel, True
            self._publish(NoteInEscrow(self.device_id, channel, value, currency))
        elif code in (Event.CREDIT, Event.NOTE_CLEARED_TO_CASHBOX) and channel:
            self._escrow, self._hold = None, False
            if self._stacked_known is not None:
                self._stacked_known += 1
            self._count("notes_credited")
            self._publish(NoteCredited(self.device_id, channel, value, currency))
        elif code in (Event.REJECTED, Event.NOTE_CLEARED_FROM_FRONT):
            self._escrow, self._hold = None, False
            self._count("notes_rejected")
            self._publish(NoteReturned(self.device_id, code.name.lower()))
        elif code is Event.SLAVE_RESET:
            log.warning("%s: device reports a reset; re-applying setup", self.device_id)
            self._escrow, self._hold = None, False
            self._needs_setup = True
        if code in _ALARMS:
            self._publish(AcceptorAlarm(self.device_id, _ALARMS[code], channel))
        if code in _FAULTS:
            self._set_state(*_FAULTS[code])
        elif code in _CLEARING and self._state is not DeviceState.ONLINE and not self._line_fraud:
            self._set_state(DeviceState.ONLINE, "")

    # --- bookkeeping ---

    def _count(self, name: str) -> None:
        with self._lock:
            self._counters[name] += 1

    def _set_state(self, state: DeviceState, detail: str) -> None:
        with self._lock:
            if (state, detail) == (self._state, self._detail):
                return
            self._state, self._detail = state, detail
        self._publish(AcceptorStateChanged(self.device_id, state, detail))

    def _publish(self, event: object) -> None:
        try:
            self._on_event(event)
        except Exception:  # a broken subscriber must not stop the money path
            log.exception("%s: event handler failed on %r", self.device_id, event)
