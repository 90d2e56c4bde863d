"""The technician's dashboard speaks the technician's language: no raw counter or device names."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.i18n import load_catalog
from kiosk.technician.figures import figures_line, untranslated

ROOT = Path(__file__).resolve().parents[3]
COUNTER = re.compile(r"(?:counters\[\"([a-z_]+)\"\]|_count\(\"([a-z_]+)\"\))")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _driver_counters() -> set[str]:
    """Every counter a driver in this repository can report."""
    names: set[str] = set()
    for path in (ROOT / "drivers").rglob("*.py"):
        for match in COUNTER.finditer(path.read_text("utf-8")):
            names.add(match.group(1) or match.group(2))
    return names


def test_every_counter_a_driver_reports_has_a_name_in_both_languages() -> None:
    catalog = load_catalog()
    known = _driver_counters() | {"errors", "print_failures", "receipts_printed", "cards_retained"}
    assert untranslated(catalog, sorted(known)) == []


def test_a_cash_device_line_reads_in_chinese_with_no_identifiers_left() -> None:
    catalog = load_catalog()
    supplies = {"cashbox": "ok", "cashbox_notes": "2/1000", "cashbox_100.00": "1"}
    counters = {"comm_errors": 0, "notes_credited": 2, "notes_100.00": 1, "errors": 0}
    line = ", ".join(figures_line(catalog, "zh_CN", supplies, counters))
    assert SNAKE.search(line) is None, line
    assert "钱箱 100.00 元 1" in line and "通信错误 0" in line and "钱箱 正常" in line
