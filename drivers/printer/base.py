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


# Single-byte code pages the encoder can select with ESC t n (Epson numbering).
CODEPAGES = {"cp437": 0, "cp850": 2, "cp860": 3, "cp1252": 16, "cp866": 17, "cp858": 19}


@dataclass(frozen=True)
class PrinterCapabilities:
    """The printer profile from config: what the paper and the firmware can do."""

    columns: int  # characters per line in the normal font (48 on 80 mm, 32 on 58 mm)
    width_dots: int  # printable width (576 on 80 mm, 384 on 58 mm at 203 dpi)
    cutter: bool = True
    native_qr: bool = True  # GS ( k; otherwise the QR is sent as a GS v 0 raster image
    codepage: str = "cp437"  # for ASCII, "¥" and Latin text; Chinese is always GB18030

    def __post_init__(self) -> None:
        if self.codepage not in CODEPAGES:
            raise ValueError(f"codepage must be one of {sorted(CODEPAGES)}, not {self.codepage!r}")
        if not 16 <= self.columns <= 96 or not 128 <= self.width_dots <= 1024:
            raise ValueError("columns must be 16-96 and width_dots 128-1024")


@dataclass(frozen=True)
class PrintResult:
    """`printed` is True only when the printer confirmed it reached the end of the job.

    `incomplete` is True when bytes went out but no confirmation came back: part of the receipt
    may be on the paper, so the customer needs a reprint code, not silence.
    """

    printed: bool
    status: PaperStatus
    detail: str = ""
    incomplete: bool = False


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
