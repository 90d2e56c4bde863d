"""Golden bytes for every document: any change to what goes to the printer shows up in review.

Regenerate after an intended change: `UPDATE_GOLDEN=1 pytest tests/drivers/test_printer_golden.py`
and look at the PNGs (`python -m bench.printer --png DIR`) before committing the new files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from drivers.printer.base import PrinterCapabilities
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.escpos_encoder import encode_document, text_width
from tests.drivers.printer_documents import all_documents

GOLDEN = Path(__file__).parent / "golden"
DOCS = all_documents()


def _caps(name: str) -> PrinterCapabilities:
    return (
        PrinterCapabilities(columns=32, width_dots=384)
        if "58mm" in name
        else PrinterCapabilities(48, 576)
    )


@pytest.mark.parametrize("name", sorted(DOCS))
def test_document_bytes_match_golden(name: str) -> None:
    data = encode_document(DOCS[name], _caps(name))
    path = GOLDEN / f"{name}.bin"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert path.exists(), f"no golden file {path}; run with UPDATE_GOLDEN=1 and review it"
    assert data == path.read_bytes(), f"{name} bytes changed; review and UPDATE_GOLDEN=1"


@pytest.mark.parametrize("name", sorted(DOCS))
def test_golden_bytes_print_within_the_paper(name: str, tmp_path: Path) -> None:
    """The emulator's parsed model: no line wider than the paper, the reference QR present."""
    caps = _caps(name)
    emu = PrinterEmulator(tmp_path, width_dots=caps.width_dots, columns=caps.columns)
    emu.feed((GOLDEN / f"{name}.bin").read_bytes())
    receipts = emu.receipts
    assert receipts and not any(r.truncated for r in receipts)
    assert all(text_width(line) <= caps.columns for r in receipts for line in r.lines)
    assert emu.unknown == []  # every byte we send is a command the emulator understands
    assert DOCS[name].reference in receipts[-1].qr_data
    assert "6222021234567890123" not in "".join(line for r in receipts for line in r.lines)
