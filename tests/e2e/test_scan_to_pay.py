"""A running kiosk with a bill scanner: the scanner is opened with the kiosk, "scan your bill"
is offered, and a scanned demo bill goes straight to that bill - through the real serial driver
reading the scanner emulator on a pty."""

from __future__ import annotations

from pathlib import Path

import pytest

from core_system.seed import demo_bill_codes
from kiosk.events import Key
from kiosk.i18n import load_catalog
from kiosk.runtime.device_config import DeviceConfig
from tests.e2e.cash_rig import CashRig


@pytest.mark.e2e
def test_a_scanned_bill_is_looked_up_without_keying_the_account(tmp_path: Path) -> None:
    rig = CashRig(tmp_path, {"scanner": DeviceConfig("scanner", "emulated")})
    try:
        kiosk = rig.start_kiosk()
        emulator = kiosk.scanner.emulator if kiosk.scanner is not None else None
        assert emulator is not None, "the scanner is built and opened with the kiosk"
        rig.open_service(load_catalog().text("en", "service_pay_bill"))
        rig.until("the scanner to come online", lambda: rig.screen().screen_id == "scan_bill", 20)
        assert emulator.scan(demo_bill_codes()["B-SGCC-2026-10-0001"])
        bill = rig.wait_screen("bill_details")
        assert any("1234567890" in line for line in bill.body)
        assert [a.amount for a in bill.amounts] == ["¥125.50"]
        rig.press(Key.CANCEL)
        rig.wait_screen("attract")
    finally:
        rig.stop()
