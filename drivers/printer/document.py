"""A receipt described once, rendered to ESC/POS bytes and to a PNG preview of the same layout.

Documents are plain data built by the kiosk core (kiosk/receipts.py); the printer driver encodes
them and the emulator renders what the printer received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


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


Block = Text | Columns | Separator | QrCode | Feed | Cut


@dataclass(frozen=True)
class Document:
    """What to print; `kind` and `reference` identify it in the journal and on the PNG file name."""

    kind: str  # "bill_payment", "credit_slip", ...
    reference: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
