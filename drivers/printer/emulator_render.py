"""Paper model and PNG rendering for the printer emulator.

The emulator prints on a grid like a real thermal head: a narrow (code page) character is one
cell of width_dots/columns dots, a Chinese character two cells, 24-dot-high at 576 dots. Glyphs
come from Noto Sans Mono CJK (found with fc-match at run time) whose Latin letters are exactly half
an em wide, so columns in the PNG line up the way they do on paper.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from kiosk.errors import DeviceError

FONT_FAMILIES = ("Noto Sans Mono CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK TC")
BASELINE = 0.84  # baseline from the cell top: CJK em box fits, Latin descenders are not clipped
LINE_GAP = 6  # dots between text rows (ESC 2 default pitch is about 30 dots at 203 dpi)


class EmulatorFontError(DeviceError):
    """No CJK font: without one the PNG would show tofu boxes instead of Chinese."""

    code = "EMULATOR_FONT_MISSING"


@dataclass(frozen=True)
class Cell:
    ch: str
    wide: bool
    bold: bool
    wscale: int
    hscale: int


@dataclass
class TextRow:
    cells: list[Cell]
    align: int  # 0 left, 1 center, 2 right

    @property
    def text(self) -> str:
        return "".join(c.ch for c in self.cells)


@dataclass
class ImageRow:
    image: Image.Image  # mode "L", black ink on white
    align: int


@dataclass
class FeedRow:
    lines: int


Row = TextRow | ImageRow | FeedRow


@dataclass
class Paper:
    """What has come out of the printer since the last cut."""

    rows: list[Row] = field(default_factory=list)
    qr_data: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    truncated: bool = False  # paper ran out (or the cover opened) in the middle of the receipt

    @property
    def lines(self) -> list[str]:
        return [row.text for row in self.rows if isinstance(row, TextRow)]


@lru_cache(maxsize=4)
def find_font(bold: bool) -> tuple[str, int]:
    """(file, face index) of a CJK font via fontconfig; EmulatorFontError when there is none."""
    style = ":style=Bold" if bold else ""
    for family in FONT_FAMILIES:
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{family}\n%{file}\n%{index}", family + style],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.split("\n")
        except (OSError, subprocess.SubprocessError) as exc:
            raise EmulatorFontError(f"fc-match failed ({exc}); install fontconfig") from exc
        if len(out) >= 3 and "CJK" in out[0] and Path(out[1]).is_file():
            return out[1], int(out[2] or 0)
    raise EmulatorFontError(
        "no Noto Sans CJK font found by fc-match; install fonts-noto-cjk for Chinese receipts"
    )


@lru_cache(maxsize=8)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    path, index = find_font(bold)
    return ImageFont.truetype(path, size, index=index)


@lru_cache(maxsize=4096)
def _glyph(cell: Cell, cell_w: int, cell_h: int) -> Image.Image:
    """One character as ink (255) on a cell-sized mask, scaled like the head doubles dots."""
    base_w = cell_w * (2 if cell.wide else 1)
    mask = Image.new("L", (base_w, cell_h), 0)
    if cell.ch.strip():
        draw = ImageDraw.Draw(mask)
        font = _font(cell.bold, cell_h)
        width = font.getlength(cell.ch)
        x = max((base_w - width) / 2, 0)
        draw.text((x, cell_h * BASELINE), cell.ch, fill=255, font=font, anchor="ls")
    if cell.wscale != 1 or cell.hscale != 1:
        mask = mask.resize((base_w * cell.wscale, cell_h * cell.hscale), Image.Resampling.NEAREST)
    return mask


def _row_height(row: Row, cell_h: int) -> int:
    if isinstance(row, TextRow):
        return max((c.hscale for c in row.cells), default=1) * cell_h + LINE_GAP
    if isinstance(row, ImageRow):
        return row.image.height
    return row.lines * (cell_h + LINE_GAP)


def _x(align: int, content_w: int, margin: int, area: int) -> int:
    if align == 1:
        return margin + max((area - content_w) // 2, 0)
    if align == 2:
        return margin + max(area - content_w, 0)
    return margin


def render_png(paper: Paper, path: Path, *, width_dots: int, columns: int) -> Image.Image:
    """Draw the paper to a PNG exactly width_dots wide; returns the image for callers to inspect."""
    cell_w = max(width_dots // columns, 1)
    cell_h = cell_w * 2
    area = cell_w * columns
    margin = (width_dots - area) // 2
    top = bottom = cell_h
    height = top + bottom + sum(_row_height(r, cell_h) for r in paper.rows)
    page = Image.new("L", (width_dots, height), 255)
    y = top
    for row in paper.rows:
        if isinstance(row, TextRow):
            row_h = _row_height(row, cell_h) - LINE_GAP
            glyphs = [_glyph(c, cell_w, cell_h) for c in row.cells]
            x = _x(row.align, sum(g.width for g in glyphs), margin, area)
            for g in glyphs:
                if x + g.width <= width_dots:
                    page.paste(0, (x, y + row_h - g.height), g)
                x += g.width
        elif isinstance(row, ImageRow):
            img = row.image.crop((0, 0, min(row.image.width, width_dots), row.image.height))
            page.paste(img, (_x(row.align, img.width, 0, width_dots), y))
        y += _row_height(row, cell_h)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.save(path)
    return page


def raster_to_image(data: bytes, width_bytes: int, height: int, scale_x: int, scale_y: int):
    """GS v 0 bitmap (1 = black dot, MSB first) to an "L" image, honouring double width/height."""
    img = Image.frombytes("1", (width_bytes * 8, height), bytes(data))  # PIL: 1 bit = white
    img = ImageOps.invert(img.convert("L"))
    if scale_x != 1 or scale_y != 1:
        img = img.resize((img.width * scale_x, img.height * scale_y), Image.Resampling.NEAREST)
    return img


def qr_to_image(data: str, module: int, ec: str) -> Image.Image:
    """The QR a native-QR printer would print for GS ( k: module dots per module, quiet zone 4."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

    levels = {
        "L": ERROR_CORRECT_L,
        "M": ERROR_CORRECT_M,
        "Q": ERROR_CORRECT_Q,
        "H": ERROR_CORRECT_H,
    }
    qr = qrcode.QRCode(box_size=max(module, 1), border=4, error_correction=levels.get(ec, 1))
    qr.add_data(data)
    qr.make(fit=True)
    return qr.make_image().get_image().convert("L")


def barcode_placeholder(data: str, height: int = 64) -> Image.Image:
    """Bars standing in for a CODE128 symbol: the preview shows where and how wide, it is not
    a scannable barcode (the parsed model keeps the data for tests)."""
    bits = "".join(f"{b:08b}" for b in data.encode("ascii", errors="replace"))
    bits = "11010010000" + bits + "1100011101011"  # start B / stop patterns frame it
    img = Image.new("L", (len(bits) * 2 + 40, height), 255)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(bits):
        if bit == "1":
            draw.rectangle((20 + 2 * i, 0, 21 + 2 * i, height - 1), fill=0)
    return img
