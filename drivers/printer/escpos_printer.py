"""ReceiptPrinter over a serial ESC/POS printer, with status reads that never hang the kiosk.

python-escpos writes every byte (escpos.printer.Serial); status is read by us with a deadline,
because python-escpos 3.1's query_status() blocks for the whole serial timeout and cannot tell
"no answer" from "garbage".
"""

from __future__ import annotations

import contextlib
import threading
import time

import serial
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Serial

from drivers.base import DeviceHealth, DeviceState
from drivers.printer.base import PaperStatus, PrinterCapabilities, PrintResult
from drivers.printer.document import Document
from drivers.printer.escpos_encoder import encode_document
from kiosk.errors import DeviceError

DLE_EOT = b"\x10\x04"
# Real-time status bytes (DLE EOT n, n=1..4): bits 1 and 4 are always 1, bits 0 and 7 always 0.
STATUS_FIXED_MASK = 0x93
STATUS_FIXED_VALUE = 0x12
N1_OFFLINE = 0x08
N2_COVER_OPEN = 0x04
N2_PAPER_END_STOP = 0x20
N2_ERROR = 0x40
N3_AUTOCUTTER_ERROR = 0x08
N4_NEAR_END = 0x0C
N4_PAPER_OUT = 0x60
AFTER_PRINT_GRACE = 2.0  # seconds a busy printer may take to answer after a whole receipt


class PrinterError(DeviceError):
    code = "PRINTER_ERROR"


class PrinterOfflineError(PrinterError):
    """The printer did not answer, or its port could not be opened or written."""

    code = "PRINTER_OFFLINE"


class PrinterStatusError(PrinterError):
    """The printer answered something that is not an ESC/POS status byte (wrong baud, noise)."""

    code = "PRINTER_BAD_STATUS"


def is_status_byte(value: int) -> bool:
    return value & STATUS_FIXED_MASK == STATUS_FIXED_VALUE


class EscposPrinter:
    """A receipt printer on a serial port (or a pty for the emulator)."""

    def __init__(
        self,
        device_id: str,
        port: str,
        capabilities: PrinterCapabilities,
        *,
        baudrate: int = 115200,
        status_timeout: float = 0.3,
    ) -> None:
        self.device_id = device_id
        self.port = port
        self._capabilities = capabilities
        self._baudrate = baudrate
        self._status_timeout = status_timeout
        self._escpos: Serial | None = None
        self._lock = threading.RLock()
        self._printed = 0
        self._failures = 0
        self._last_status = PaperStatus.OFFLINE
        self._last_detail = "not opened"

    @property
    def capabilities(self) -> PrinterCapabilities:
        return self._capabilities

    def open(self) -> None:
        """Open the port; raises PrinterOfflineError with the port name when it cannot."""
        with self._lock:
            if self._escpos is not None:
                return
            printer = Serial(
                devfile=self.port,
                baudrate=self._baudrate,
                timeout=self._status_timeout,
                dsrdtr=False,
            )
            try:
                printer.open()
            except DeviceNotFoundError as exc:
                raise PrinterOfflineError(f"cannot open printer port {self.port}: {exc}") from exc
            self._escpos = printer

    def close(self) -> None:
        with self._lock:
            printer, self._escpos = self._escpos, None
            device = printer._device if printer is not None else None
            if isinstance(device, serial.Serial):
                # closing a port that vanished is not an error worth reporting
                with contextlib.suppress(OSError, serial.SerialException):
                    device.close()
            if printer is not None:
                printer.device = False

    def _port(self) -> serial.Serial:
        if self._escpos is None:
            self.open()
        assert self._escpos is not None
        device = self._escpos.device
        if not isinstance(device, serial.Serial):
            raise PrinterOfflineError(f"printer port {self.port} is not open")
        return device

    def _query(self, n: int, timeout: float) -> int:
        """Send DLE EOT n and read one status byte before the deadline."""
        port = self._port()
        assert self._escpos is not None
        port.reset_input_buffer()  # a late answer to an earlier query must not be taken for this
        self._escpos._raw(DLE_EOT + bytes([n]))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PrinterOfflineError(f"no answer to DLE EOT {n} within {timeout:.2f}s")
            port.timeout = remaining
            data = port.read(1)
            if data:
                break
        if not is_status_byte(data[0]):
            raise PrinterStatusError(f"DLE EOT {n} answered 0x{data[0]:02x}, not a status byte")
        return data[0]

    def _read_status(self, timeout: float) -> PaperStatus:
        n1 = self._query(1, timeout)
        n2 = self._query(2, timeout)
        n4 = self._query(4, timeout)
        if n2 & N2_COVER_OPEN:
            return PaperStatus.COVER_OPEN
        if n2 & N2_PAPER_END_STOP or n4 & N4_PAPER_OUT:
            return PaperStatus.PAPER_OUT
        if n2 & N2_ERROR:
            n3 = self._query(3, timeout)
            if n3 & N3_AUTOCUTTER_ERROR:
                return PaperStatus.CUTTER_ERROR
            self._last_detail = f"printer error (DLE EOT 3 = 0x{n3:02x})"
            return PaperStatus.OFFLINE
        if n1 & N1_OFFLINE:
            self._last_detail = "printer reports offline"
            return PaperStatus.OFFLINE
        if n4 & N4_NEAR_END:
            return PaperStatus.PAPER_NEAR_END
        return PaperStatus.READY

    def _status(self, timeout: float) -> PaperStatus:
        self._last_detail = ""
        try:
            status = self._read_status(timeout)
        except PrinterError as exc:
            self._last_detail = str(exc)
            status = PaperStatus.OFFLINE
        except (OSError, serial.SerialException) as exc:
            self._last_detail = f"[{PrinterOfflineError.code}] port {self.port}: {exc}"
            self.close()
            status = PaperStatus.OFFLINE
        self._last_status = status
        return status

    def status(self) -> PaperStatus:
        """Live status; each query is bounded by status_timeout, so OFFLINE comes back fast."""
        with self._lock:
            return self._status(self._status_timeout)

    def print_document(self, document: Document) -> PrintResult:
        """Print only on a ready printer and claim success only if it is still ready afterwards."""
        with self._lock:
            before = self._status(self._status_timeout)
            if not before.can_print:
                self._failures += 1
                return PrintResult(printed=False, status=before, detail=self._last_detail)
            data = encode_document(document, self._capabilities)
            try:
                assert self._escpos is not None
                self._escpos._raw(data)
                self._port().flush()
            except (OSError, serial.SerialException) as exc:
                self._failures += 1
                self.close()
                self._last_status = PaperStatus.OFFLINE
                detail = f"[{PrinterOfflineError.code}] write failed: {exc}"
                return PrintResult(printed=False, status=PaperStatus.OFFLINE, detail=detail)
            after = self._status(self._status_timeout + AFTER_PRINT_GRACE)
            if not after.can_print:
                self._failures += 1
                return PrintResult(printed=False, status=after, detail=self._last_detail)
            self._printed += 1
            return PrintResult(printed=True, status=after)

    def health(self) -> DeviceHealth:
        """Live paper status (bounded like status()) plus what this driver has counted."""
        with self._lock:
            status = self._status(self._status_timeout)
            if status.can_print:
                state = DeviceState.ONLINE
            elif status is PaperStatus.OFFLINE:
                state = DeviceState.OFFLINE
            elif status is PaperStatus.CUTTER_ERROR:
                state = DeviceState.HARDWARE_ERROR
            else:
                state = DeviceState.USER_ERROR  # paper out / cover open: a technician can fix it
            return DeviceHealth(
                device_id=self.device_id,
                state=state,
                detail=self._last_detail,
                supplies={"paper": status.value},
                counters={"receipts_printed": self._printed, "print_failures": self._failures},
            )
