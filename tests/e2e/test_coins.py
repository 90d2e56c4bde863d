"""Coins as a tender in the running kiosk: the ccTalk coin emulator on a pty, the real driver,
[devices.coin] wired by the composition root, notes through the eSSP emulator, the reference core.

A coin has no escrow, so the journal must hold it the moment it is credited; the bill is paid
with notes and coins, the top-up takes them too, the tender sent to the core lists them apart,
and the cashbox counts (from the journal) match what the coin box holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.events import Key
from kiosk.money.cash.counters import cashbox_counts
from kiosk.runtime.config import DeviceConfig
from tests.e2e.cash_rig import KIOSK_ID, CashRig

pytestmark = pytest.mark.e2e

CH_050, CH_100 = 2, 3  # the emulator's default coin channels: ¥0.50 and ¥1.00


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[CashRig]:
    rig = CashRig(tmp_path, {"coin": DeviceConfig("coin", "cctalk-emulated")})
    try:
        rig.start_kiosk()
        yield rig
    finally:
        rig.stop()


def _inserted(rig: CashRig) -> str:
    amounts = rig.amounts()
    for label in ("Inserted", "Top-up amount", "Payment"):  # insert, top-up and confirm screens
        if label in amounts:
            return amounts[label]
    return ""


def _coin(rig: CashRig, channel: int, expect: str) -> None:
    coins = rig.kiosk.coins
    assert coins is not None
    rig.until("the coin acceptor enabled", lambda: coins.built.emulator.accepting)
    assert coins.built.emulator.insert_coin(channel), "coin accepted by the mechanism"
    rig.until(f"{expect} inserted", lambda: _inserted(rig) == expect)


def _note(rig: CashRig, value: int, expect: str) -> None:
    emulator = rig.kiosk.cash.emulator
    rig.until("the note acceptor enabled", lambda: emulator.enabled)
    emulator.insert_note(value)
    rig.until(f"{expect} inserted", lambda: _inserted(rig) == expect)


def _core_tender(rig: CashRig) -> dict[str, object]:
    rig.synced()
    committed = [r for r in rig.kiosk.ledger.records() if r.kind == "payment_committed"]
    seq = rig.kiosk.outbox.item(str(committed[-1].txn_id)).seq  # type: ignore[union-attr]
    invoice = rig.store.invoice(KIOSK_ID, seq)
    assert invoice is not None
    return invoice["tender"]  # type: ignore[no-any-return]


def test_a_bill_is_paid_with_notes_and_coins_and_the_coins_reach_the_core(rig: CashRig) -> None:
    rig.open_service("Pay a utility bill")
    billers = [c.label for c in rig.wait_screen("choose_biller").choices]
    rig.press(Key.digit(billers.index("State Grid Electricity") + 1))
    rig.wait_screen("enter_account")
    rig.press(*[Key(d) for d in "1234567890"], Key.ENTER)
    rig.wait_screen("bill_details")
    rig.press(Key.ENTER)
    rig.wait_screen("insert_cash")
    _note(rig, 100, "¥100.00")
    _note(rig, 20, "¥120.00")
    _note(rig, 5, "¥125.00")
    assert rig.journal("coin_credited") == []
    _coin(rig, CH_050, "¥125.50")  # the ¥125.50 bill is covered by the coin
    booked = rig.journal("coin_credited")
    assert [d["value"] for d in booked] == [{"amount": "0.50", "currency": "CNY"}]
    rig.wait_screen("confirm")
    rig.press(Key.ENTER)
    rig.wait_screen("thank_you", timeout=30)
    assert _core_tender(rig) == {
        "type": "cash",
        "notes": {"5.00": 1, "20.00": 1, "100.00": 1},
        "coins": {"0.50": 1},
    }
    counts = cashbox_counts(rig.kiosk.ledger, "CNY")
    assert counts.coins == {"0.50": 1} and counts.count == 3, "coins counted apart from notes"
    assert counts.supplies()["coinbox_coins"] == "1"
    assert rig.kiosk.coins is not None
    assert rig.kiosk.coins.built.emulator.box_total_minor == 50
    assert not rig.kiosk.coins.built.emulator.accepting, "coins inhibited after the session"


def test_a_top_up_takes_coins_and_books_each_one_before_the_payment(rig: CashRig) -> None:
    rig.open_service("Prepaid top-up")
    products = [c.label for c in rig.wait_screen("topup_choose").choices]
    rig.press(Key.digit(products.index("State Grid Electricity") + 1))
    rig.wait_screen("topup_enter_number")
    rig.press(*[Key(d) for d in "1234567890"], Key.ENTER)
    rig.wait_screen("topup_insert_cash")
    _note(rig, 10, "¥10.00")
    _coin(rig, CH_100, "¥11.00")
    _coin(rig, CH_050, "¥11.50")
    rig.press(Key.ENTER)
    rig.wait_screen("topup_done", timeout=30)
    kinds = [r.kind for r in rig.kiosk.ledger.records()]
    assert kinds.count("coin_credited") == 2
    assert kinds.index("coin_credited") < kinds.index("payment_committed")
    assert _core_tender(rig) == {
        "type": "cash",
        "notes": {"10.00": 1},
        "coins": {"0.50": 1, "1.00": 1},
    }
    assert rig.kiosk.coins is not None
    assert rig.kiosk.coins.built.emulator.box_total_minor == 150
