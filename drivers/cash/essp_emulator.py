"""The device side of SSP for an NV-series banknote validator, on a real pty.

Lets the driver, the kiosk and a technician's `kiosk emulate essp --pty` exercise the genuine
serial path without hardware, including the faults that matter in a lobby: line noise, corrupt
replies, a device that stops answering, jams, fraud and a removed cashbox. With a fixed key it
speaks eSSP (drivers/cash/essp_emulator_secure.py) and can play a tap on the line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from pathlib import Path

from drivers.cash import cashbox_file as nvram
from drivers.cash.essp_emulator_parts import (
    FAULT_EVENTS,
    GARBAGE,
    MINOR_PER_MAJOR,
    Fault,
    setup_payload,
)
from drivers.cash.essp_emulator_secure import SecureDevice
from drivers.cash.essp_protocol import (
    REJECT_BY_HOST,
    REJECT_DISABLED,
    REJECT_ESCROW_TIMEOUT,
    REJECT_INHIBITED,
    STX,
    Command,
    Counters,
    EsspBadCrc,
    Event,
    FrameDecoder,
    Reply,
    crc16,
    encode_counters,
    encode_frame,
)
from drivers.transport.pty_pair import PtyPair

log = logging.getLogger("drivers.cash.essp.emulator")


class EsspEmulator(SecureDevice):
    def __init__(
        self,
        *,
        currency: str = "CNY",
        denominations: tuple[int, ...] = (1, 5, 10, 20, 50, 100),
        address: int = 0,
        escrow_timeout: float = 10.0,
        cashbox_file: Path | None = None,
        fixed_key: int | None = None,
        encrypted: bool = False,
    ) -> None:
        self._init_secure(fixed_key, encrypted)
        self.currency = currency
        self.denominations = tuple(denominations)
        self.address = address
        self.escrow_timeout = escrow_timeout
        self.cashbox_file = cashbox_file
        self._lock = threading.Lock()
        self._pty: PtyPair | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._decoder = FrameDecoder()
        self._last_seq: bool | None = None  # None: not synced, every command is new
        self._last_reply = b""
        self._protocol = 6
        self._enabled = False
        self._inhibit_mask = 0  # bit set = channel accepted; all inhibited at power up
        self._events: list[bytes] = [bytes([Event.SLAVE_RESET])]
        self._note: tuple[str, int] | None = None  # (reading|escrow, channel)
        self._escrow_since = 0.0
        self._faults: Counter[Fault] = Counter()
        self._fault_on: dict[Fault, int | None] = {}
        self.repeated_replies = 0  # replies resent for a repeated sequence bit
        self._box = nvram.load(cashbox_file)
        self._cashbox: Counter[int] = Counter(self._box.counts)
        self._last_reject = 0
        self.serial_number = 12345678
        self.returned_notes: list[int] = []
        self.commands_seen: list[int] = []  # command bytes, for tests and `status`

    # --- life cycle ---

    def start(self) -> str:
        """Opens the pty and serves it on a thread; returns the path a driver opens."""
        self._pty = PtyPair()
        self._thread = threading.Thread(target=self._run, name="essp-emulator", daemon=True)
        self._thread.start()
        return self._pty.slave_path

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        if self._pty is not None:
            self._pty.close()

    # --- the customer and the technician ---

    def insert_note(self, value_major: int) -> None:
        """A customer pushes a note into the bezel."""
        with self._lock:
            channel = self._channel_of(value_major)
            if not self._enabled or self._note is not None:
                self.returned_notes.append(value_major)  # bezel closed: the note never goes in
                self._last_reject = REJECT_DISABLED
                log.info("note %s refused: device disabled or busy", value_major)
            elif channel == 0 or not self._inhibit_mask & (1 << (channel - 1)):
                self.returned_notes.append(value_major)
                self._last_reject = REJECT_INHIBITED
                self._box.rejected += 1
                self._events.append(bytes([Event.READ, 0, Event.REJECTING, Event.REJECTED]))
            else:
                self._note = ("reading", channel)

    def power_cycle(self) -> None:
        """Power off and on: the negotiated key, the sequence state and the enable are lost."""
        with self._lock:
            if self._note is not None:
                self._return_note(REJECT_BY_HOST)
            self._enabled, self._last_seq, self._inhibit_mask = False, None, 0
            self._forget_key()
            self._events.append(bytes([Event.SLAVE_RESET]))

    def forge_credit(self, value_major: int) -> None:
        """A tap on the line injects a plain credit for this note value (see SecureDevice)."""
        with self._lock:
            self.inject_forged_credit(self._channel_of(value_major) or 1)

    def inject(self, fault: Fault, count: int = 1, *, on: Command | None = None) -> None:
        """Arms a fault. Transport faults hit the next `count` replies (only replies to `on`
        when given, e.g. the POLL that carries a credit); device faults queue a poll event."""
        with self._lock:
            if fault in FAULT_EVENTS:
                self._events.append(bytes([FAULT_EVENTS[fault]]))
            elif fault is Fault.FRAUD:
                self._events.append(bytes([Event.FRAUD, 1]))
            else:
                self._faults[fault] += count
                self._fault_on[fault] = on

    @property
    def enabled(self) -> bool:
        with self._lock:
            return self._enabled

    @property
    def cashbox_counts(self) -> dict[int, int]:
        with self._lock:
            return {value: n for value, n in self._cashbox.items() if n}

    @property
    def note_state(self) -> str | None:
        """None when the note path is empty, else "reading", "escrow_next" or "escrow"."""
        with self._lock:
            return None if self._note is None else self._note[0]

    @property
    def stacked_total(self) -> int:
        """Lifetime notes stacked (the GET_COUNTERS value)."""
        with self._lock:
            return self._box.stacked

    def empty_cashbox(self) -> dict[int, int]:
        """A technician swaps the cashbox: counts go to zero, lifetime counters stay."""
        with self._lock:
            taken = {v: n for v, n in self._cashbox.items() if n}
            self._cashbox.clear()
            self._save_cashbox()
            return taken

    @property
    def cashbox_total_minor(self) -> int:
        minor = MINOR_PER_MAJOR.get(self.currency, 100)
        return sum(value * n * minor for value, n in self.cashbox_counts.items())

    # --- serving ---

    def _run(self) -> None:
        assert self._pty is not None
        while not self._stop.is_set():
            data = self._pty.read(512, 0.02)
            with self._lock:
                self._check_escrow_timeout()
                for item in self._decoder.feed(data) if data else []:
                    if isinstance(item, EsspBadCrc):
                        log.warning("host frame dropped: %s", item)
                    elif item.address == self.address and item.data:
                        command = self._peek_command(item.data)
                        reply = self._handle(item.seq, item.data, command)
                        if reply is not None:
                            self._send(item.seq, command, reply)

    def _send(self, seq: bool, command: int, reply: bytes) -> None:
        assert self._pty is not None
        frame = encode_frame(seq, self.address, reply)
        if self._take_fault(Fault.BAD_CRC, command):
            body = bytes([(0x80 if seq else 0) | self.address, len(reply)]) + reply
            bad = (crc16(body) ^ 0xA5A5).to_bytes(2, "little")  # stuffed like a real frame
            frame = bytes([STX]) + (body + bad).replace(b"\x7f", b"\x7f\x7f")
        if self._take_fault(Fault.GARBAGE, command):
            frame = GARBAGE + frame
        replay = command == Command.POLL and self._take_fault(Fault.REPLAY, command)
        self._pty.write(self._attacker_frames(seq, command, replay) + frame)
        self._remember_sealed(command, reply)

    def _take_fault(self, fault: Fault, command: int) -> bool:
        if self._faults[fault] <= 0 or self._fault_on.get(fault) not in (None, command):
            return False
        self._faults[fault] -= 1
        return True

    def _handle(self, seq: bool, data: bytes, command: int) -> bytes | None:
        if self._take_fault(Fault.NO_REPLY, command):
            return None
        previous = self._last_seq
        if data[0] == Command.SYNC:
            # SYNC always executes; the device then expects the other bit on the next command.
            self._last_seq = True
        elif seq == self._last_seq:
            self.repeated_replies += 1
            return self._last_reply  # the host lost our reply: repeat it, do not re-execute
        else:
            self._last_seq = seq
        reply = self._secure_execute(data)
        if reply is None:  # a sealed command dropped: as if it never arrived
            self._last_seq = previous
            return None
        self.commands_seen.append(command)
        self._last_reply = reply
        return reply

    def _execute(self, command: int, args: bytes) -> bytes:
        ok = bytes([Reply.OK])
        if command in (Command.SYNC, Command.RESET):
            if command == Command.RESET:
                if self._note is not None:  # a rebooting validator gives the note back
                    self._return_note(REJECT_BY_HOST)
                self._enabled, self._last_seq, self._inhibit_mask = False, None, 0
                self._forget_key()
                self._events.append(bytes([Event.SLAVE_RESET]))
            return ok
        if command == Command.HOST_PROTOCOL_VERSION:
            if len(args) != 1:
                return bytes([Reply.WRONG_PARAMS])
            if not 1 <= args[0] <= 8:
                return bytes([Reply.FAIL])
            self._protocol = args[0]
            return ok
        if command == Command.SETUP_REQUEST:
            return ok + self._setup_payload()
        if command == Command.SET_INHIBITS:
            if not args:
                return bytes([Reply.WRONG_PARAMS])
            self._inhibit_mask = int.from_bytes(args, "little")
            return ok
        if command in (Command.ENABLE, Command.DISABLE):
            self._enabled = command == Command.ENABLE
            return ok
        if command == Command.GET_SERIAL:
            return ok + self.serial_number.to_bytes(4, "big")
        if command == Command.GET_COUNTERS:
            box = self._box
            return ok + encode_counters(Counters(box.stacked, box.stacked, 0, 0, box.rejected))
        if command == Command.LAST_REJECT_CODE:
            return ok + bytes([self._last_reject])
        if command == Command.POLL:
            return ok + self._poll()
        if command == Command.HOLD:
            if self._note is None or self._note[0] != "escrow":
                return bytes([Reply.CANNOT_PROCESS])
            self._escrow_since = time.monotonic()
            return ok
        if command == Command.REJECT:
            if self._note is None:
                return bytes([Reply.CANNOT_PROCESS])
            self._return_note(REJECT_BY_HOST)
            return ok
        return bytes([Reply.UNKNOWN])

    def _poll(self) -> bytes:
        events = b"".join(self._events)
        self._events.clear()
        if self._note is not None:
            state, channel = self._note
            if state == "reading":
                self._note = ("escrow_next", channel)
                events += bytes([Event.READ, 0])
            elif state == "escrow_next":
                self._note, self._escrow_since = ("escrow", channel), time.monotonic()
                events += bytes([Event.READ, channel])
            else:  # a POLL while a note is in escrow means "stack it"
                self._note = None
                self._cashbox[self.denominations[channel - 1]] += 1
                self._box.stacked += 1
                self._last_reject = 0
                self._save_cashbox()
                events += bytes([Event.STACKING, Event.CREDIT, channel, Event.STACKED])
        if not self._enabled:
            events += bytes([Event.DISABLED])
        return events

    def _return_note(self, reason: int) -> None:
        assert self._note is not None
        self.returned_notes.append(self.denominations[self._note[1] - 1])
        self._note = None
        self._last_reject = reason
        self._box.rejected += 1
        self._save_cashbox()
        self._events.append(bytes([Event.REJECTING, Event.REJECTED]))

    def _check_escrow_timeout(self) -> None:
        note, waited = self._note, time.monotonic() - self._escrow_since
        if note is not None and note[0] == "escrow" and waited > self.escrow_timeout:
            log.info("escrow timeout: note returned to the customer")
            self._return_note(REJECT_ESCROW_TIMEOUT)

    def _channel_of(self, value_major: int) -> int:
        return self.denominations.index(value_major) + 1 if value_major in self.denominations else 0

    def _setup_payload(self) -> bytes:
        return setup_payload(self.currency, self.denominations, self._protocol)

    # --- persistence ---

    def _save_cashbox(self) -> None:
        self._box.counts = dict(self._cashbox)
        nvram.save(self.cashbox_file, self.currency, self._box)
