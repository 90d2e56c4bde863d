"""A receipt described once, rendered to ESC/POS bytes and to a PNG preview of the same layout.

Documents are plain data built by the kiosk core (kiosk/receipts.py); the printer driver encodes
them and the emulator renders what the printer received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Align(str, Enum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    """One line of text (wrapped by the encoder when longer than the paper)."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    double: bool = False  # double width and height


@dataclass(frozen=True)
class Columns:
    """A label on the left and a value right-aligned on the same line (amounts)."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True)
class Row:
    """Cells side by side in fixed widths, one space apart (date | description | amount).

    `widths` are printer columns, 0 meaning "what is left"; `right` marks cells aligned right
    (amounts). A cell longer than its width wraps inside its own column, never into the next.
    """

    cells: tuple[str, ...]
    widths: tuple[int, ...]
    right: tuple[bool, ...] = ()
    bold: bool = False


@dataclass(frozen=True)
class Barcode:
    """A CODE128 barcode (GS k 73) with its human-readable text printed below."""

    data: str
    height: int = 64  # dots


@dataclass(frozen=True)
class Separator:
    char: str = "-"


@dataclass(frozen=True)
class QrCode:
    data: str
    size: int = 6  # module size in dots


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Block = Text | Columns | Row | Separator | QrCode | Barcode | Feed | Cut


@dataclass(frozen=True)
class Document:
    """What to print; `kind` and `reference` identify it in the journal and on the PNG file name."""

    kind: str  # "bill_payment", "credit_slip", ...
    reference: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    # The JSON-able data the document was built from, journaled so a reprint can rebuild it.
    source: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
