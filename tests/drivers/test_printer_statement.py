"""A 3-month statement of 200 entries, printed through the emulator, read back from its model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drivers.printer.base import PrinterCapabilities
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.escpos_encoder import encode_document, text_width
from drivers.printer.escpos_printer import EscposPrinter
from tests.drivers.printer_documents import CATALOG, statement_data, statement_doc

AMOUNT = re.compile(r"-?¥[\d,]+\.\d\d$")


@pytest.mark.parametrize(
    ("lang", "columns", "dots"),
    [("zh_CN", 48, 576), ("en", 48, 576), ("zh_CN", 32, 384), ("en", 32, 384)],
)
def test_200_entries_print_as_numbered_pages_without_overflow(
    tmp_path: Path, lang: str, columns: int, dots: int
) -> None:
    emu = PrinterEmulator(tmp_path, width_dots=dots, columns=columns)
    emu.feed(encode_document(statement_doc(lang, 200, columns), PrinterCapabilities(columns, dots)))
    pages = emu.receipts
    n = len(pages)
    assert n >= 5, "200 entries on one slip would be a metre of paper"
    page_label = CATALOG.text(lang, "doc_page")
    continued = CATALOG.text(lang, "doc_continued")
    entries = 0
    for number, page in enumerate(pages, start=1):
        lines = page.lines
        assert all(text_width(line) <= columns for line in lines), "a line overflowed the paper"
        assert any(line.strip() == f"{page_label} {number}/{n}" for line in lines)
        assert (continued in "".join(lines)) == (number < n)  # "continued" on all but the last
        dated = [line for line in lines if re.match(r"^(2026-)?\d\d-\d\d ", line)]
        for line in dated:
            if AMOUNT.search(line):
                # amounts flush right: the column ends exactly at the paper's edge
                assert text_width(line) == columns, line
        entries += sum(1 for line in dated if AMOUNT.search(line))
        assert len(lines) < 70, "a page should stay short enough to read and tear"
    assert entries == 200  # every entry printed exactly once, none lost at a page break
    last = pages[-1].lines
    assert any(CATALOG.text(lang, "doc_end") in line for line in last)
    assert pages[-1].qr_data == [statement_data().reference]


def test_statement_through_the_driver_confirms_every_page(tmp_path: Path) -> None:
    emu = PrinterEmulator(tmp_path)
    printer = EscposPrinter("p", emu.start(), PrinterCapabilities(48, 576))
    try:
        assert printer.print_document(statement_doc("zh_CN", 200)).printed
        assert len(emu.wait_for_receipts(5)) >= 5
    finally:
        printer.close()
        emu.stop()


def test_paper_out_in_the_middle_of_a_statement_is_incomplete(tmp_path: Path) -> None:
    emu = PrinterEmulator(tmp_path)
    printer = EscposPrinter("p", emu.start(), PrinterCapabilities(48, 576), confirm_grace=0.5)
    emu.inject_fault("out", after_lines=120)
    try:
        result = printer.print_document(statement_doc("en", 200))
        assert not result.printed and result.incomplete
    finally:
        printer.close()
        emu.stop()
