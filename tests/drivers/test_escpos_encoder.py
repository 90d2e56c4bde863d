"""What the printer receives: commands in the right order and text that fits the paper."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.printer.base import PrinterCapabilities
from drivers.printer.document import Align, Columns, Cut, Document, QrCode, Separator, Text
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.escpos_encoder import encode_document, layout_columns, text_width, wrap

CAPS = PrinterCapabilities(columns=48, width_dots=576)
FS_ON, FS_OFF = b"\x1c&", b"\x1c."


def _doc(*blocks) -> Document:
    return Document(kind="bill_payment", reference="R-1", blocks=tuple(blocks))


def _printed_lines(data: bytes, tmp_path: Path, columns: int = 48) -> list[str]:
    """Let the emulator's parser play the printer, so the test reads what the paper would show."""
    emulator = PrinterEmulator(tmp_path, columns=columns)
    emulator.feed(data)
    receipts = emulator.receipts
    assert len(receipts) == 1
    return receipts[0].lines


def test_receipt_starts_with_reset_and_ends_with_cut() -> None:
    data = encode_document(_doc(Text("Hello")), CAPS)
    assert data.startswith(b"\x1b@")
    assert data.endswith(b"\x1dV\x00")  # a cut is added even when the document forgot it


def test_chinese_is_gb18030_inside_chinese_mode() -> None:
    data = encode_document(_doc(Text("国家电网 State Grid")), CAPS)
    on = data.index(FS_ON)
    off = data.index(FS_OFF, on)
    assert data[on + 2 : off] == "国家电网".encode("gb18030")
    assert b"State Grid" in data[off:]
    assert data.index(FS_OFF) < on  # Chinese mode is switched off explicitly before any text


def test_amount_stays_at_line_end_for_english_and_chinese_labels(tmp_path: Path) -> None:
    data = encode_document(
        _doc(Columns("Electricity", "¥125.50"), Columns("电费 合计", "¥125.50")), CAPS
    )
    lines = _printed_lines(data, tmp_path)
    amounts = [line for line in lines if line.endswith("¥125.50")]
    assert len(amounts) == 2
    assert all(text_width(line) == 48 for line in amounts)


def test_long_label_wraps_and_never_pushes_the_amount_off_the_paper() -> None:
    label = "国家电网 electricity charge for the whole billing period of October 2026"
    lines = layout_columns(label, "¥12,345.67", 32)
    assert lines[-1].endswith("¥12,345.67")
    assert all(text_width(line) <= 32 for line in lines)
    assert "".join(lines).replace(" ", "").startswith("国家电网electricity")


def test_separator_fills_the_line(tmp_path: Path) -> None:
    lines = _printed_lines(encode_document(_doc(Separator("=")), CAPS), tmp_path)
    assert lines[0] == "=" * 48


def test_double_size_text_wraps_at_half_the_columns(tmp_path: Path) -> None:
    data = encode_document(_doc(Text("x" * 30, double=True, align=Align.CENTER)), CAPS)
    assert b"\x1d!\x11" in data  # GS ! doubles Chinese and ASCII alike
    assert _printed_lines(data, tmp_path)[:2] == ["x" * 24, "x" * 6]


def test_qr_is_native_or_raster_by_capability() -> None:
    native = encode_document(_doc(QrCode("REF-1")), CAPS)
    assert b"\x1d(k\x08\x001P0REF-1" in native
    raster_caps = PrinterCapabilities(columns=48, width_dots=576, native_qr=False)
    raster = encode_document(_doc(QrCode("REF-1")), raster_caps)
    assert b"\x1d(k" not in raster and b"\x1dv0" in raster


def test_printer_without_cutter_gets_a_tear_off_feed() -> None:
    caps = PrinterCapabilities(columns=48, width_dots=576, cutter=False)
    data = encode_document(_doc(Text("a"), Cut()), caps)
    assert b"\x1dV" not in data and data.endswith(b"\x1bd\x06")


_TEXT = st.text(alphabet=st.sampled_from(list("ab cdé¥12.国家电网，。 ")), max_size=120)


@settings(max_examples=200, deadline=None)
@given(text=_TEXT, columns=st.integers(min_value=4, max_value=64))
def test_wrapping_never_exceeds_the_columns(text: str, columns: int) -> None:
    lines = wrap(text, columns)
    assert all(text_width(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@settings(max_examples=100, deadline=None)
@given(left=_TEXT, right=st.text(alphabet="¥0123456789.,元", min_size=1, max_size=12))
def test_columns_always_fit_and_end_with_the_amount(left: str, right: str) -> None:
    lines = layout_columns(left, right, 32)
    assert all(text_width(line) <= 32 for line in lines)
    assert lines[-1].endswith(right.strip())


@settings(max_examples=30, deadline=None)
@given(text=_TEXT)
def test_what_is_encoded_is_what_the_printer_prints(text: str) -> None:
    data = encode_document(_doc(Text(text)), CAPS)
    with tempfile.TemporaryDirectory() as tmp:
        lines = _printed_lines(data, Path(tmp))
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
