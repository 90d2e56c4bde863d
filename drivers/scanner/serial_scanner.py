"""SerialScanner: a barcode scanner on a serial port (or a USB scanner in "USB COM" mode).

One I/O thread owns the port, as the stripe head's driver does (drivers/card_reader/
stripe_serial.py): it reads what the scanner sends, turns it into codes with the reader of the
configured mode (drivers/scanner/framing.py), answers ACK/NAK in framed mode, and reopens the
port when it disappears (a USB-serial adapter unplugged: Offline until it is back). Nothing the
scanner sends can stop the thread: noise is skipped and counted, a damaged frame is NAKed so the
scanner resends it, garbage and overlong input become a ScanFailed event with its code.

Codes are never logged (a bill code holds an account number); only lengths, codes and counters.
"""

from __future__ import annotations

import logging
import threading
import time

import serial

from drivers.base import DeviceHealth, DeviceState, EventSink
from drivers.scanner.base import (
    MAX_CODE_LENGTH,
    CodeScanned,
    ScanFailed,
    ScannerCapabilities,
    ScannerFrameInvalid,
    ScannerSelfTest,
    ScannerStateChanged,
    self_test_from,
)
from drivers.scanner.framing import ACK, NAK, FrameReader, Line, LineReader, Rejected, Token

log = logging.getLogger("drivers.scanner.serial")
MODES = ("ascii", "framed")


class SerialScanner:
    def __init__(
        self,
        device_id: str,
        port: str,
        on_event: EventSink,
        *,
        mode: str = "ascii",
        baudrate: int = 9600,
        max_length: int = MAX_CODE_LENGTH,
        retry_s: float = 1.0,
        stale_s: float = 0.5,
        same_code_s: float = 1.0,
        backend: str = "serial",
    ) -> None:
        """`stale_s`: a partial line with no byte for this long is noise, forgotten.
        `same_code_s`: the same code again within this time is one scan read twice (a lost ACK
        resent, a bill held under the window), delivered once."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.device_id = device_id
        self.port = port
        self.mode = mode
        self.baudrate = baudrate
        self.capabilities = ScannerCapabilities(backend, mode, mode == "framed", max_length)
        self._on_event = on_event
        self._retry_s, self._stale_s, self._same_code_s = retry_s, stale_s, same_code_s
        self._reader: LineReader | FrameReader = (
            FrameReader(max_length) if mode == "framed" else LineReader(max_length)
        )
        self._serial: serial.Serial | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state, self._detail = DeviceState.OFFLINE, "not started"
        self._last_byte = 0.0
        self._last_code: tuple[str, float] = ("", 0.0)
        self.counters = {
            "scans": 0,
            "scans_failed": 0,
            "frames_rejected": 0,
            "bytes_skipped": 0,
            "duplicates": 0,
            "port_lost": 0,
        }

    # --- the contract ---

    def open(self) -> None:
        """Starts the I/O thread; the port is opened (and reopened) there."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.device_id}")
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._close_port()

    start, stop = open, close  # the names the kiosk's runtime uses for I/O threads

    def status(self) -> DeviceHealth:
        return self.health()

    def health(self) -> DeviceHealth:
        self.counters["bytes_skipped"] = self._reader.skipped
        return DeviceHealth(self.device_id, self._state, self._detail, {}, dict(self.counters))

    def self_test(self) -> ScannerSelfTest:
        return self_test_from(self.health())

    # --- I/O thread ---

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._serial is None and not self._open_port():
                self._stop.wait(self._retry_s)
                continue
            try:
                data = self._read_available()
                now = time.monotonic()
                if data:
                    self._last_byte = now
                    for token in self._reader.feed(data):
                        self._token(token, now)
                elif self._reader.pending() and now - self._last_byte > self._stale_s:
                    self._reader.reset()  # noise that never got its suffix
            except (OSError, serial.SerialException) as exc:
                log.warning("%s: port lost: %s", self.device_id, type(exc).__name__)
                self.counters["port_lost"] += 1
                self._close_port()
                self._set_state(DeviceState.OFFLINE, "serial port lost")

    def _open_port(self) -> bool:
        try:
            self._serial = serial.Serial(self.port, baudrate=self.baudrate, timeout=0.05)
        except (OSError, serial.SerialException) as exc:
            errno = getattr(exc, "errno", None)
            self._set_state(DeviceState.OFFLINE, f"cannot open {self.port}: {errno}")
            return False
        self._reader.reset()
        self._set_state(DeviceState.ONLINE, "")
        return True

    def _close_port(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (OSError, serial.SerialException) as exc:
                log.debug("%s: close: %s", self.device_id, exc)
            self._serial = None

    def _read_available(self) -> bytes:
        """Waits up to the port timeout for a first byte, then takes whatever else arrived."""
        assert self._serial is not None
        data = self._serial.read(1)
        waiting = self._serial.in_waiting
        return data + self._serial.read(waiting) if data and waiting else data

    def _answer(self, byte: int) -> None:
        if self.mode == "framed" and self._serial is not None:
            self._serial.write(bytes([byte]))

    def _token(self, token: Token, now: float) -> None:
        if isinstance(token, Line):
            self._answer(ACK)
            self._code(token.text, now)
        elif isinstance(token, Rejected):
            if token.code == ScannerFrameInvalid.code:  # the scanner resends it
                self.counters["frames_rejected"] += 1
                self._answer(NAK)
                log.info("%s: frame rejected (%s): NAK", self.device_id, token.reason)
                return
            # garbage: the frame itself arrived (ACK); overlong: a resend is as long (NAK)
            self._answer(ACK if token.code != "SCANNER_INPUT_OVERLONG" else NAK)
            self.counters["scans_failed"] += 1
            log.info("%s: scan refused: %s (%s)", self.device_id, token.code, token.reason)
            self._on_event(ScanFailed(self.device_id, token.code))
        # ACK/NAK from a scanner: nothing of ours is waiting for one

    def _code(self, text: str, now: float) -> None:
        last_text, last_at = self._last_code
        if text == last_text and now - last_at < self._same_code_s:
            self.counters["duplicates"] += 1
            return
        self._last_code = (text, now)
        self.counters["scans"] += 1
        self._on_event(CodeScanned(self.device_id, text))

    def _set_state(self, state: DeviceState, detail: str) -> None:
        if (state, detail) == (self._state, self._detail):
            return
        self._state, self._detail = state, detail
        log.info("%s: %s %s", self.device_id, state.value, detail)
        self._on_event(ScannerStateChanged(self.device_id, state, detail))
