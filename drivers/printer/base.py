"""The receipt printer contract the kiosk core programs against."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from drivers.base import DeviceHealth
from drivers.printer.document import Document


class PaperStatus(str, Enum):
    """Printer readiness as an Enum, never the magic ints of escpos' paper_status()."""

    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    CUTTER_ERROR = "cutter_error"
    OFFLINE = "offline"

    @property
    def can_print(self) -> bool:
        return self in (PaperStatus.READY, PaperStatus.PAPER_NEAR_END)


@dataclass(frozen=True)
class PrinterCapabilities:
    columns: int  # characters per line in the normal font
    width_dots: int
    cutter: bool = True
    native_qr: bool = True


@dataclass(frozen=True)
class PrintResult:
    """`printed` is True only when the printer confirmed readiness after the job."""

    printed: bool
    status: PaperStatus
    detail: str = ""


class ReceiptPrinter(Protocol):
    device_id: str

    @property
    def capabilities(self) -> PrinterCapabilities: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def status(self) -> PaperStatus:
        """Live status with bounded latency; OFFLINE when the printer does not answer."""
        ...

    def print_document(self, document: Document) -> PrintResult:
        """Blocking; call it from the printer's I/O worker, never the UI thread."""
        ...

    def health(self) -> DeviceHealth: ...
