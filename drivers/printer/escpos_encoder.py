"""Turn a Document into ESC/POS bytes, letting python-escpos produce the commands.

Chinese-mode choice: the receipt starts with ESC @, ESC t 0 (PC437) and FS . (Chinese mode off,
explicitly, because printers differ in their power-on default). Text is then split into runs:
characters PC437 can print (ASCII, "¥", accented Latin) are sent one byte each with Chinese mode
off and take one column; every other character (CJK, full-width punctuation) is sent as GB18030
with FS & (Chinese mode on) and takes two columns, exactly as the printer's 24x24 Chinese font
prints it. FS & / FS . are only emitted when the mode changes. This keeps "¥125.50" a narrow,
1-column amount (GB18030 would need a 4-byte sequence many printers lack) and makes the column
arithmetic below match what the paper shows.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

from escpos.printer import Dummy

from drivers.printer.base import CODEPAGES, PrinterCapabilities
from drivers.printer.document import (
    Align,
    Barcode,
    Columns,
    Cut,
    Document,
    Feed,
    QrCode,
    Row,
    Separator,
    Text,
)

FS_CHINESE_ON = b"\x1c&"
FS_CHINESE_OFF = b"\x1c."
ESC_CODEPAGE_PC437 = b"\x1bt\x00"
NARROW_CODEPAGE = "cp437"
CHINESE_CODEC = "gb18030"
_TOKEN = re.compile(r"\s+|\S+")


def is_narrow(ch: str, codepage: str = NARROW_CODEPAGE) -> bool:
    """True when the character is printed from the 1-column code page (Chinese mode off)."""
    if ch == " " or (" " < ch < "\x7f"):
        return True
    if ord(ch) < 0x20 or ch == "\x7f":
        return False
    try:
        ch.encode(codepage)
    except UnicodeEncodeError:
        return False
    return True


def char_width(ch: str) -> int:
    """Columns a character occupies at normal size: 1 for code-page characters, 2 for Chinese."""
    return 1 if is_narrow(ch) else 2


def text_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def _clean(text: str) -> str:
    """Control characters would be commands to the printer; show them as spaces instead."""
    return "".join(" " if (ord(ch) < 0x20 or ch == "\x7f") else ch for ch in text)


def _split_chars(word: str, width: int) -> Iterator[str]:
    """Break a word wider than the line at character boundaries (how CJK text wraps anyway)."""
    chunk, used = "", 0
    for ch in word:
        w = char_width(ch)
        if used + w > width and chunk:
            yield chunk
            chunk, used = "", 0
        chunk += ch
        used += w
    if chunk:
        yield chunk


def wrap(text: str, width: int) -> list[str]:
    """Greedy wrap on spaces, breaking words (and CJK runs) that cannot fit; never exceeds width."""
    width = max(width, 2)
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKEN.findall(_clean(text)):
        tw = text_width(token)
        if token.isspace():
            if used and used + tw <= width:
                line, used = line + token, used + tw
            elif used:
                lines.append(line)
                line, used = "", 0
            continue
        if used + tw <= width:
            line, used = line + token, used + tw
            continue
        if used:
            lines.append(line.rstrip())
            line, used = "", 0
        for piece in _split_chars(token, width):
            if used:
                lines.append(line)
            line, used = piece, text_width(piece)
    if line.rstrip() or not lines:
        lines.append(line.rstrip())
    return lines


def layout_columns(left: str, right: str, columns: int) -> list[str]:
    """Label left, amount flush right on one line; the label wraps so the amount never moves."""
    left, right = _clean(left).strip(), _clean(right).strip()
    rw = text_width(right)
    if rw > columns - 2:
        return wrap(left, columns) + [" " * max(columns - rw, 0) + r for r in wrap(right, columns)]
    left_lines = wrap(left, columns - rw - 1)
    last = left_lines[-1]
    pad = columns - text_width(last) - rw
    return left_lines[:-1] + [last + " " * pad + right]


def row_widths(widths: tuple[int, ...], columns: int) -> list[int]:
    """Resolve the 0 ("the rest") width; cells are one space apart and never exceed the paper."""
    fixed = sum(widths) + len(widths) - 1
    rest = max(columns - fixed, 1)
    resolved = [w if w > 0 else rest for w in widths]
    while sum(resolved) + len(resolved) - 1 > columns and max(resolved) > 2:
        resolved[resolved.index(max(resolved))] -= 1  # too wide for this paper: shrink the widest
    return resolved


def layout_row(row: Row, columns: int) -> list[str]:
    """Each cell wrapped within its own width, padded (left or right), joined by one space."""
    widths = row_widths(row.widths, columns)
    right = list(row.right) + [False] * len(widths)
    cells = [wrap(text, w) for text, w in zip(row.cells, widths, strict=False)]
    height = max((len(c) for c in cells), default=1)
    lines = []
    for i in range(height):
        parts = []
        for cell, w, r in zip(cells, widths, right, strict=False):
            text = cell[i] if i < len(cell) else ""
            pad = " " * (w - text_width(text))
            parts.append(pad + text if r else text + pad)
        lines.append(" ".join(parts).rstrip())
    return lines


class _Writer:
    """Wraps escpos' Dummy and tracks the Chinese-mode state so FS & / FS . are sent on change."""

    def __init__(self, width_dots: int, codepage: str = NARROW_CODEPAGE) -> None:
        self.dummy = Dummy()
        self.codepage = codepage
        # Our own copy of the profile, told the paper width, so image QRs centre (and escpos
        # stops printing a warning to stdout); the default profile object may be shared.
        profile = copy.deepcopy(self.dummy.profile.profile_data)
        profile.setdefault("media", {}).setdefault("width", {})["pixels"] = width_dots
        self.dummy.profile.profile_data = profile
        self.chinese: bool | None = None

    def text(self, text: str) -> None:
        for narrow, run in _runs(text, self.codepage):
            if narrow and self.chinese is not False:
                self.dummy._raw(FS_CHINESE_OFF)
                self.chinese = False
            elif not narrow and self.chinese is not True:
                self.dummy._raw(FS_CHINESE_ON)
                self.chinese = True
            codec = self.codepage if narrow else CHINESE_CODEC
            self.dummy._raw(run.encode(codec, errors="replace"))

    def line(self, text: str) -> None:
        self.text(text)
        self.dummy._raw(b"\n")

    def style(self, *, align: Align = Align.LEFT, bold: bool = False, double: bool = False) -> None:
        # GS ! (custom_size) scales Chinese and ASCII alike; ESC ! would leave Chinese untouched.
        size = 2 if double else 1
        self.dummy.set(align=align.value, bold=bold, custom_size=True, width=size, height=size)


def _runs(text: str, codepage: str) -> Iterator[tuple[bool, str]]:
    run, kind = "", True
    for ch in text:
        narrow = is_narrow(ch, codepage)
        if run and narrow != kind:
            yield kind, run
            run = ""
        run, kind = run + ch, narrow
    if run:
        yield kind, run


def encode_document(document: Document, capabilities: PrinterCapabilities) -> bytes:
    """ESC/POS for one receipt: ESC @ first, a cut (or a tear-off feed) last."""
    cols = capabilities.columns
    w = _Writer(capabilities.width_dots, capabilities.codepage)
    w.dummy.hw("INIT")
    w.dummy._raw(b"\x1bt" + bytes([CODEPAGES[capabilities.codepage]]))
    w.dummy._raw(FS_CHINESE_OFF)
    w.chinese = False
    blocks = list(document.blocks)
    if not blocks or not isinstance(blocks[-1], Cut):
        blocks.append(Cut())
    for block in blocks:
        if isinstance(block, Text):
            w.style(align=block.align, bold=block.bold, double=block.double)
            for line in wrap(block.text, cols // 2 if block.double else cols):
                w.line(line)
        elif isinstance(block, Columns):
            w.style(bold=block.bold)
            for line in layout_columns(block.left, block.right, cols):
                w.line(line)
        elif isinstance(block, Row):
            w.style(bold=block.bold)
            for line in layout_row(block, cols):
                w.line(line)
        elif isinstance(block, Barcode):
            w.style(align=Align.CENTER)
            data = ("{B" + block.data).encode("ascii", errors="replace")[:255]
            height = bytes([min(max(block.height, 1), 255)])
            # GS h height, GS w 2, GS H 0 (no HRI: we print the text ourselves), GS k 73 n data
            w.dummy._raw(
                b"\x1dh" + height + b"\x1dw\x02\x1dH\x00\x1dkI" + bytes([len(data)]) + data
            )
            w.line(block.data)
            w.style()
        elif isinstance(block, Separator):
            ch = (_clean(block.char) or "-")[0]
            w.style()
            w.line(ch * (cols // char_width(ch)))
        elif isinstance(block, QrCode):
            w.style(align=Align.CENTER)
            size = min(max(block.size, 1), 16)
            if capabilities.native_qr:
                w.dummy.qr(block.data, native=True, size=size)
                w.dummy._raw(b"\n")
            else:
                w.dummy.qr(block.data, native=False, size=size, center=True)
            w.style()
        elif isinstance(block, Feed):
            if block.lines > 0:
                w.dummy.print_and_feed(min(block.lines, 255))
        elif isinstance(block, Cut):
            w.style()
            if capabilities.cutter:
                w.dummy.cut()
            else:
                w.dummy.print_and_feed(6)
    return w.dummy.output
