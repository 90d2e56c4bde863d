"""The device side of ccTalk for a coin acceptor, on a real pty, with the single-wire echo.

It keeps what a real acceptor keeps: a 5-slot event buffer and its event counter (1..255,
wrapping to 1; 0 only after a reset), per-coin inhibits and a master inhibit. Faults cover what
breaks credit counting in the field: replies lost or corrupted, bursts of coins between polls
(more than the buffer holds) and the counter wrapping. A persistent coin box lets tests count.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from enum import Enum

from drivers.coin.cctalk_protocol import (
    COIN_ACCEPTOR_ADDRESS,
    EVENT_SLOTS,
    Header,
    decode,
    encode,
    frame_length,
    next_counter,
)
from drivers.transport.pty_pair import PtyPair

log = logging.getLogger("drivers.coin.cctalk.emulator")

DEFAULT_COINS = {1: "CN010A", 2: "CN050A", 3: "CN100A"}  # 0.10, 0.50, 1.00 CNY


class CoinFault(Enum):
    NO_REPLY = "no_reply"
    BAD_CHECKSUM = "bad_checksum"
    GARBAGE = "garbage"


class CcTalkEmulator:
    def __init__(
        self,
        *,
        coins: dict[int, str] | None = None,
        address: int = COIN_ACCEPTOR_ADDRESS,
        echo: bool = True,
        counter: int = 0,
    ) -> None:
        self.coins = dict(coins or DEFAULT_COINS)
        self.address = address
        self.echo = echo
        self._lock = threading.Lock()
        self._counter = counter
        self._buffer: deque[tuple[int, int]] = deque([(0, 0)] * EVENT_SLOTS, EVENT_SLOTS)
        self._inhibit_mask = 0  # bit set = coin accepted; all inhibited at power-up
        self._master = False  # master inhibit status: False = inhibited
        self._faults: Counter[CoinFault] = Counter()
        self._pty: PtyPair | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.coin_box: Counter[int] = Counter()  # channel -> coins that went to the box
        self.returned: list[int] = []  # channels of coins given back
        self.headers_seen: list[int] = []

    def start(self) -> str:
        self._pty = PtyPair()
        self._thread = threading.Thread(target=self._run, name="cctalk-emulator", daemon=True)
        self._thread.start()
        return self._pty.slave_path

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        if self._pty is not None:
            self._pty.close()

    # --- the customer and the technician ---

    def insert_coin(self, channel: int) -> bool:
        """A coin drops in; True when it was accepted (credited to the buffer)."""
        with self._lock:
            accepted = (
                channel in self.coins
                and self._master
                and bool(self._inhibit_mask >> (channel - 1) & 1)
            )
            if accepted:
                self._event(channel, 1)
                self.coin_box[channel] += 1
            else:
                self._event(0, 2 if channel in self.coins else 1)  # inhibited / not recognised
                self.returned.append(channel)
            return accepted

    def inject_error(self, code: int) -> None:
        """An error event (e.g. 20 coin on string) as the mechanism reports it."""
        with self._lock:
            self._event(0, code)

    def inject(self, fault: CoinFault, count: int = 1) -> None:
        with self._lock:
            self._faults[fault] += count

    @property
    def accepting(self) -> bool:
        with self._lock:
            return self._master and self._inhibit_mask != 0

    @property
    def box_total_minor(self) -> int:
        from drivers.coin.cctalk_protocol import coin_value_minor

        with self._lock:
            return sum(coin_value_minor(self.coins[ch]) * n for ch, n in self.coin_box.items())

    def _event(self, a: int, b: int) -> None:
        self._counter = next_counter(self._counter)
        self._buffer.appendleft((a, b))

    # --- serving ---

    def _run(self) -> None:
        assert self._pty is not None
        buf = bytearray()
        while not self._stop.is_set():
            data = self._pty.read(256, 0.02)
            if not data:
                if buf:
                    buf.clear()  # an incomplete frame followed by silence: drop it
                continue
            buf += data
            while (need := frame_length(buf)) is not None and len(buf) >= need:
                frame, buf = bytes(buf[:need]), buf[need:]
                self._serve(frame)

    def _serve(self, frame: bytes) -> None:
        assert self._pty is not None
        if self.echo:
            self._pty.write(frame)  # the single wire: the host hears itself
        try:
            msg = decode(frame)
        except Exception:  # noqa: BLE001 - a corrupt host frame is simply not answered
            log.warning("host frame dropped: %s", frame.hex(" "))
            return
        if msg.dest != self.address:
            return
        with self._lock:
            if self._take(CoinFault.NO_REPLY):
                return
            self.headers_seen.append(msg.header)
            header, data = self._execute(msg.header, msg.data)
            reply = encode(msg.src, self.address, header, data)
            if self._take(CoinFault.BAD_CHECKSUM):
                reply = reply[:-1] + bytes([reply[-1] ^ 0x5A])
            if self._take(CoinFault.GARBAGE):
                reply = b"\x00\xff" + reply
        self._pty.write(reply)

    def _take(self, fault: CoinFault) -> bool:
        if self._faults[fault] <= 0:
            return False
        self._faults[fault] -= 1
        return True

    def _execute(self, header: int, data: bytes) -> tuple[int, bytes]:
        ack = Header.ACK
        if header == Header.SIMPLE_POLL:
            return ack, b""
        if header == Header.READ_BUFFERED_CREDIT:
            pairs = b"".join(bytes(p) for p in self._buffer)
            return ack, bytes([self._counter]) + pairs
        if header == Header.MODIFY_INHIBIT_STATUS and len(data) == 2:
            self._inhibit_mask = int.from_bytes(data, "little")
            return ack, b""
        if header == Header.MODIFY_MASTER_INHIBIT and len(data) == 1:
            self._master = bool(data[0] & 1)
            return ack, b""
        if header == Header.REQUEST_COIN_ID and len(data) == 1:
            return ack, self.coins.get(data[0], "......").encode("ascii")
        if header == Header.REQUEST_MANUFACTURER_ID:
            return ack, b"EMU"
        if header == Header.REQUEST_PRODUCT_CODE:
            return ack, b"KIOSK-COIN"
        if header == Header.REQUEST_SERIAL_NUMBER:
            return ack, (654321).to_bytes(3, "little")
        if header == Header.RESET_DEVICE:
            self._counter, self._master, self._inhibit_mask = 0, False, 0
            self._buffer.extend([(0, 0)] * EVENT_SLOTS)
            return ack, b""
        return Header.NAK, b""
