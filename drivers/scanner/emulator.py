"""A barcode scanner on a real pty: what showing it a bill puts on the wire.

ASCII mode sends the text and the configured suffix (CR by default, the common factory setting);
framed mode sends `STX text ETX LRC` and resends until the host ACKs (a few tries, then the code
is dropped, as a scanner gives up with an error beep). Faults cover what the field produces: line
noise before a code, an LRC damaged on the wire, a frame cut short, raw bytes (garbage, an
endless line) and the scanner unplugged (the pty goes away).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from enum import Enum

from drivers.scanner.framing import Ack, FrameReader, Nak, encode_frame
from drivers.transport.pty_pair import PtyPair

log = logging.getLogger("drivers.scanner.emulator")
SUFFIXES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}


class ScannerFault(Enum):
    NOISE = "noise"  # line noise before the next code
    BAD_LRC = "bad_lrc"  # framed: the next frames sent with a wrong LRC (host NAKs, resent)
    TRUNCATED = "truncated"  # framed: the next frames cut short (then resent whole)


class ScannerEmulator:
    def __init__(
        self,
        *,
        mode: str = "ascii",
        suffix: str = "cr",
        answer_timeout: float = 0.5,
        retries: int = 3,
    ) -> None:
        if mode not in ("ascii", "framed") or suffix not in SUFFIXES:
            raise ValueError("mode ascii|framed, suffix cr|lf|crlf")
        self.mode, self._suffix = mode, SUFFIXES[suffix]
        self._answer_timeout, self._retries = answer_timeout, retries
        self._faults: Counter[ScannerFault] = Counter()
        self._frames = FrameReader()
        self._pty: PtyPair | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._answered = threading.Condition()
        self._answers: list[bool] = []  # ACK (True) / NAK (False) from the host, oldest first
        self._send_lock = threading.Lock()
        self.naks = 0

    # --- life cycle ---

    def start(self) -> str:
        self._pty = PtyPair()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="scanner-emulator", daemon=True)
        self._thread.start()
        return self._pty.slave_path

    @property
    def slave_path(self) -> str:
        return self._pty.slave_path if self._pty is not None else ""

    def stop(self) -> None:
        """Unplugged: the pty goes away; a driver holding it reads an error and goes Offline."""
        self._stop.set()
        with self._answered:
            self._answered.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        with self._send_lock:
            if self._pty is not None:
                self._pty.close()
                self._pty = None

    def inject(self, fault: ScannerFault, count: int = 1) -> None:
        with self._answered:
            self._faults[fault] += count

    # --- the customer ---

    def scan(self, text: str) -> bool:
        """Shows the scanner a code; True when delivered (framed: the host ACKed it)."""
        data = text.encode("ascii")
        with self._send_lock:
            if self.mode == "ascii":
                self._write(self._noisy(data + self._suffix))
                return self._pty is not None
            return self._send_frame(encode_frame(data))

    def garbage(self) -> bool:
        """What a scanner on the wrong baud rate or code page delivers: control and non-ASCII
        bytes as one line (ASCII mode) or as one intact frame (framed mode)."""
        junk = b"\x01\x7f\xfe\x1b[garbage"
        if self.mode == "ascii":
            self.send_raw(junk + self._suffix)
            return self._pty is not None
        with self._send_lock:
            return self._send_frame(encode_frame(junk))

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are (garbage, an endless line): what a faulty scanner or cable sends."""
        with self._send_lock:
            self._write(data)

    def _send_frame(self, frame: bytes) -> bool:
        with self._answered:
            self._answers.clear()
        for _ in range(self._retries + 1):
            if self._stop.is_set():
                return False
            self._write(self._damaged(frame))
            answer = self._wait_answer()
            if answer:
                return True
            if answer is False:
                self.naks += 1
        log.warning("code not acknowledged: dropped")
        return False

    def _noisy(self, data: bytes) -> bytes:
        return b"\x00\xff\x13~" + data if self._take(ScannerFault.NOISE) else data

    def _damaged(self, frame: bytes) -> bytes:
        frame = self._noisy(frame)
        if self._take(ScannerFault.BAD_LRC):
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        if self._take(ScannerFault.TRUNCATED):
            frame = frame[: len(frame) // 2]
        return frame

    def _wait_answer(self) -> bool | None:
        deadline = time.monotonic() + self._answer_timeout
        with self._answered:
            while not self._answers:
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    return None
                self._answered.wait(left)
            return self._answers.pop(0)

    # --- the wire ---

    def _take(self, fault: ScannerFault) -> bool:
        with self._answered:
            if self._faults[fault] > 0:
                self._faults[fault] -= 1
                return True
            return False

    def _write(self, data: bytes) -> None:
        if self._pty is not None:
            self._pty.write(data)

    def _serve(self) -> None:
        pty = self._pty
        assert pty is not None
        while not self._stop.is_set():
            for token in self._frames.feed(pty.read(64, 0.05)):
                if isinstance(token, Ack | Nak):
                    with self._answered:
                        self._answers.append(isinstance(token, Ack))
                        self._answered.notify_all()
