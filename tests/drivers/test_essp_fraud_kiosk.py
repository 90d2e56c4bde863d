"""A forged credit on the note acceptor's line while a customer pays, in the running kiosk.

The kiosk is built by the composition root with `essp-emulated` (encrypted by default); the
emulator plays a tap that writes a plain `OK CREDIT` ahead of a genuine reply. The journey must
book only the genuine note, journal the fault as a fraud attempt and settle safely, and cash
must not be offered again until the validator is reset.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.base import DeviceState
from kiosk.events import Key
from tests.e2e.cash_rig import CashRig

pytestmark = pytest.mark.e2e


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[CashRig]:
    rig = CashRig(tmp_path, {})
    try:
        rig.start_kiosk()
        yield rig
    finally:
        rig.stop()


def test_a_forged_credit_mid_payment_is_journaled_as_fraud_and_never_booked(rig: CashRig) -> None:
    acceptor, emulator = rig.kiosk.cash.device, rig.kiosk.cash.emulator
    assert emulator.encrypted, "the emulated acceptor requires eSSP: nothing runs in the clear"
    rig.open_service("Pay a utility bill")
    billers = [c.label for c in rig.wait_screen("choose_biller").choices]
    rig.press(Key.digit(billers.index("State Grid Electricity") + 1))
    rig.wait_screen("enter_account")
    rig.press(*[Key(d) for d in "1234567890"], Key.ENTER)
    rig.wait_screen("bill_details")
    rig.press(Key.ENTER)
    rig.wait_screen("insert_cash")
    rig.until("the note acceptor enabled", lambda: emulator.enabled)
    emulator.insert_note(20)
    rig.until("¥20 booked", lambda: len(rig.journal("note_stacked")) == 1)

    emulator.forge_credit(100)
    rig.until("the fault journaled", lambda: bool(rig.journal("acceptor_fault")))
    fault = rig.journal("acceptor_fault")[0]
    assert fault["state"] == DeviceState.FRAUD_ATTEMPT.value
    assert "unencrypted credit refused" in str(fault["detail"])
    rig.until("the tender settled", lambda: rig.screen().screen_id != "insert_cash")
    stacked = rig.journal("note_stacked")
    assert [d["value"] for d in stacked] == [{"amount": "20.00", "currency": "CNY"}]
    assert emulator.cashbox_counts == {20: 1}, "the box holds only the genuine note"
    assert acceptor.health().state is DeviceState.FRAUD_ATTEMPT, "cash stays out of service"
    assert acceptor.health().counters["fraud_refused"] == 1
