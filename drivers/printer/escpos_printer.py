"""ReceiptPrinter for ESC/POS printers on any link, with status reads that never hang the kiosk.

Why "printed" can be trusted here: after the receipt's bytes the driver sends GS r 1 (transmit
paper sensor status). Unlike DLE EOT, GS r is *not* real-time: the printer executes it in order,
after every line and the cut before it. Its answer is therefore the printer saying "I got this
far". A printer that runs out of paper or opens its cover mid-receipt stops before GS r and never
answers it; the driver then reads the live status (DLE EOT, real-time), reports the receipt as
not printed, and clears the printer's buffers (DLE DC4 8) so the rest of the receipt does not
surprise the next customer when the paper is reloaded.
"""

from __future__ import annotations

import threading
import time

from drivers.base import DeviceHealth, DeviceState
from drivers.printer.base import PaperStatus, PrinterCapabilities, PrintResult
from drivers.printer.document import Document
from drivers.printer.errors import (
    PrinterError,
    PrinterNoStatusError,
    PrinterOfflineError,
    PrinterStatusError,
)
from drivers.printer.escpos_encoder import encode_document
from drivers.printer.links import PrinterLink, SerialLink

__all__ = [
    "EscposPrinter",
    "PrinterNoStatusError",
    "PrinterOfflineError",
    "PrinterStatusError",
    "is_status_byte",
]

DLE_EOT = b"\x10\x04"
GS_R_PAPER = b"\x1dr\x01"  # in-order paper sensor status: the end-of-job marker
DLE_DC4_CLEAR = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"  # real-time: clear all buffers
# Real-time status bytes (DLE EOT n, n=1..4): bits 1 and 4 are always 1, bits 0 and 7 always 0.
STATUS_FIXED_MASK = 0x93
STATUS_FIXED_VALUE = 0x12
GS_R_FIXED_MASK = 0x90  # GS r answers: bits 4 and 7 are always 0, so never mistaken for DLE EOT
N1_OFFLINE = 0x08
N2_COVER_OPEN = 0x04
N2_PAPER_END_STOP = 0x20
N2_ERROR = 0x40
N2_STOPPED = N2_COVER_OPEN | N2_PAPER_END_STOP | N2_ERROR
N3_AUTOCUTTER_ERROR = 0x08
N4_NEAR_END = 0x0C
N4_PAPER_OUT = 0x60
CONFIRM_GRACE = 2.0  # seconds a printer may take to print and cut after the last byte arrived
PROBE_INTERVAL = 0.25  # while waiting for the end-of-job answer, ask (DLE EOT 2) if it stopped
SECONDS_PER_LINE = 0.025  # ~3.75 mm a text line at 150 mm/s, a slow thermal head


def is_status_byte(value: int) -> bool:
    return value & STATUS_FIXED_MASK == STATUS_FIXED_VALUE


def is_job_end_reply(value: int) -> bool:
    return value & GS_R_FIXED_MASK == 0


class EscposPrinter:
    """A receipt printer on a serial, TCP, USB or file link."""

    def __init__(
        self,
        device_id: str,
        link: PrinterLink | str,
        capabilities: PrinterCapabilities,
        *,
        baudrate: int = 115200,
        status_timeout: float = 0.3,
        confirm_grace: float = CONFIRM_GRACE,
    ) -> None:
        self.device_id = device_id
        self.link: PrinterLink = SerialLink(link, baudrate) if isinstance(link, str) else link
        self._capabilities = capabilities
        self._status_timeout = status_timeout
        self._confirm_grace = confirm_grace
        self._lock = threading.RLock()
        self._printed = 0
        self._failures = 0
        self._last_status = PaperStatus.OFFLINE
        self._last_detail = "not opened"

    @property
    def capabilities(self) -> PrinterCapabilities:
        return self._capabilities

    def open(self) -> None:
        """Open the link; raises PrinterOfflineError naming the port when it cannot."""
        with self._lock:
            self.link.open()

    def close(self) -> None:
        with self._lock:
            self.link.close()

    # -- status ------------------------------------------------------------------------------
    def _query(self, n: int, timeout: float) -> int:
        """Send DLE EOT n and read one status byte before the deadline."""
        self.link.discard_input()  # a late answer to an earlier query must not be taken for this
        self.link.write(DLE_EOT + bytes([n]))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PrinterOfflineError(f"no answer to DLE EOT {n} within {timeout:.2f}s")
            data = self.link.read(remaining)
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

    def _read_status_retry(self, timeout: float) -> PaperStatus:
        """One retry when a query goes unanswered: a busy or briefly loaded printer (or host)
        can miss one deadline; two misses in a row is an offline printer. Bounded at 2x."""
        try:
            return self._read_status(timeout)
        except PrinterOfflineError:
            if not self.link.bidirectional:
                raise
            return self._read_status(timeout)

    def _status(self, timeout: float) -> PaperStatus:
        self._last_detail = ""
        try:
            self.link.open()
            status = self._read_status_retry(timeout)
        except PrinterError as exc:
            self._last_detail = f"[{exc.code}] {exc}"
            status = PaperStatus.OFFLINE
        except OSError as exc:
            self._last_detail = f"[{PrinterOfflineError.code}] {self.link.name}: {exc}"
            self.link.close()
            status = PaperStatus.OFFLINE
        self._last_status = status
        return status

    def status(self) -> PaperStatus:
        """Live status; each query is bounded by status_timeout, so OFFLINE comes back fast."""
        with self._lock:
            return self._status(self._status_timeout)

    # -- printing ----------------------------------------------------------------------------
    def _confirm_budget(self, data: bytes) -> float:
        """Wire time (bytes x 10 / baud on serial) + head time per line + a fixed grace."""
        wire = len(data) * 10 / self.link.baudrate if self.link.baudrate else 0.0
        head = data.count(b"\n") * SECONDS_PER_LINE
        return self._status_timeout + wire + head + self._confirm_grace

    def _await_job_end(self, data: bytes) -> bool:
        """True once the printer answered the GS r sent after the job; False if it stopped."""
        deadline = time.monotonic() + self._confirm_budget(data)
        next_probe = time.monotonic() + PROBE_INTERVAL
        while True:
            now = time.monotonic()
            if now >= deadline:
                return False
            for byte in self.link.read(min(deadline, next_probe) - now):
                if is_job_end_reply(byte):
                    return True
                if is_status_byte(byte) and byte & N2_STOPPED:
                    return False  # cover open / paper end / error: it will not get there
            if time.monotonic() >= next_probe:
                self.link.write(DLE_EOT + b"\x02")
                next_probe = time.monotonic() + PROBE_INTERVAL

    def _fail(self, status: PaperStatus, detail: str, *, incomplete: bool = False) -> PrintResult:
        self._failures += 1
        return PrintResult(printed=False, status=status, detail=detail, incomplete=incomplete)

    def print_document(self, document: Document) -> PrintResult:
        """Print only on a ready printer; claim success only when the printer confirmed the end."""
        with self._lock:
            if not self.link.bidirectional:
                return self._spool(document)
            before = self._status(self._status_timeout)
            if not before.can_print:
                return self._fail(before, self._last_detail or f"not ready: {before.value}")
            data = encode_document(document, self._capabilities)
            try:
                self.link.discard_input()
                self.link.write(data + GS_R_PAPER)
                confirmed = self._await_job_end(data)
                if not confirmed:
                    self.link.write(DLE_DC4_CLEAR)  # the rest must not print on paper reload
            except (PrinterError, OSError) as exc:
                self.link.close()
                self._last_status = PaperStatus.OFFLINE
                detail = f"[{PrinterOfflineError.code}] {exc}"
                return self._fail(PaperStatus.OFFLINE, detail, incomplete=True)
            after = self._status(self._status_timeout)
            if not confirmed:
                detail = self._last_detail or "the printer stopped before the end of the receipt"
                return self._fail(after, f"incomplete: {detail}", incomplete=True)
            self._printed += 1
            return PrintResult(printed=True, status=after)

    def _spool(self, document: Document) -> PrintResult:
        """Write-only link: the bytes go out, but nobody can say they were printed."""
        try:
            self.link.write(encode_document(document, self._capabilities))
        except (PrinterError, OSError) as exc:
            return self._fail(PaperStatus.OFFLINE, f"[{PrinterOfflineError.code}] {exc}")
        code = PrinterNoStatusError.code
        return self._fail(PaperStatus.OFFLINE, f"[{code}] written to {self.link.name}, unconfirmed")

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
