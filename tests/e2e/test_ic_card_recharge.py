"""IC-card recharge for real, in the running kiosk: the emulated prepaid card in vpcd slot 1 ->
a private pcscd -> pyscard (the kiosk's PC/SC driver on "Virtual PCD 00 01") -> the menu entry
-> notes through the eSSP emulator on a pty -> credit written with a MAC, read back -> receipt
printed by the printer emulator -> the top-up synced to the reference core.

Failures: a card that will not take the write after the notes were stacked leaves the money
booked and the credit pending (slip printed), written the next time the card is presented —
also after a restart, when recovery flags it for the technician first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.card_reader.pcscd_runner import PrivatePcscd
from drivers.card_reader.stored_value_card import EmulatedStoredValueCard
from drivers.card_reader.virtual_card.vpcd_link import VpcdLink
from kiosk.events import Key
from kiosk.journeys.topup_ic_card_ports import pending_credits
from kiosk.runtime.config import DeviceConfig
from tests.e2e.card_env import pcscd  # noqa: F401 - the module-scoped fixture
from tests.e2e.cash_rig import CashRig

pytestmark = pytest.mark.e2e

KEY = bytes(range(32))
CARD_ID = "8600112233445566"
LABEL = "Recharge a gas or electricity card"


Rig = tuple[CashRig, EmulatedStoredValueCard, VpcdLink]


@pytest.fixture
def rig(tmp_path: Path, pcscd: PrivatePcscd) -> Iterator[Rig]:  # noqa: F811
    key_file = tmp_path / "ic-card.key"
    key_file.write_text(KEY.hex())
    reader = {"reader": "Virtual PCD 00 01", "biller": "SGCC", "key_file": str(key_file)}
    rig = CashRig(tmp_path, {"ic_card_reader": DeviceConfig("ic_card_reader", "pcsc", reader)})
    card = EmulatedStoredValueCard(CARD_ID, KEY, balance_minor=1234)
    link = VpcdLink(card, pcscd.port + 1)  # type: ignore[arg-type]  # slot 1: the second reader
    try:
        rig.start_kiosk()
        link.insert()
        yield rig, card, link
    finally:
        link.remove()
        rig.stop()


def _offered(rig: CashRig) -> None:
    ic = rig.kiosk.ic_card
    assert ic is not None
    rig.until("the IC-card reader online", ic.service.available)


def _pay_notes(rig: CashRig, *values: int) -> None:
    rig.wait_screen("ic_insert_cash")
    emulator = rig.kiosk.cash.emulator
    rig.until("the acceptor enabled", lambda: emulator.enabled)
    total = 0
    for value in values:
        emulator.insert_note(value)
        total += value
        rig.until(
            f"¥{total} counted", lambda t=total: rig.amounts().get("Top-up amount") == f"¥{t}.00"
        )  # type: ignore[misc]
    rig.press(Key.ENTER)


def test_recharge_from_the_menu_writes_the_card_and_prints_the_balance_read_back(
    rig: Rig,
) -> None:
    kiosk, card, link = rig
    _offered(kiosk)
    kiosk.open_service(LABEL)
    screen = kiosk.wait_screen("ic_insert_cash")
    assert screen.amounts[0].amount == "¥12.34", "the balance read through pcscd is shown"
    _pay_notes(kiosk, 50, 20)
    kiosk.wait_screen("ic_done")
    assert (card.balance, card.counter) == (1234 + 7000, 1)
    kiosk.until("the receipt", lambda: bool(kiosk.journal("receipt_printed")))
    receipt = "\n".join(kiosk.kiosk.printer.emulator.receipts[-1].lines)
    assert CARD_ID in receipt and "¥70.00" in receipt and "¥82.34" in receipt
    written = kiosk.journal("card_credit_written")
    assert written == [{"balance_after": 8234, "counter_after": 1, "how": "confirmed"}], (
        "read back and verified"
    )
    assert kiosk.kiosk.cash.emulator.cashbox_total_minor == 7000
    kiosk.synced()
    committed = [r for r in kiosk.kiosk.ledger.records() if r.kind == "payment_committed"]
    assert kiosk.store.transaction_count(str(committed[0].txn_id)) == 1, "the core has it once"
    kiosk.press(Key.ENTER)
    kiosk.wait_screen("attract")


def test_a_write_that_fails_after_the_notes_is_pending_then_written_at_the_next_insert(
    rig: Rig,
) -> None:
    kiosk, card, link = rig
    _offered(kiosk)
    kiosk.open_service(LABEL)
    kiosk.wait_screen("ic_insert_cash")
    card.fail_writes = 10  # the card refuses every write: the notes are already in the box
    _pay_notes(kiosk, 100)
    screen = kiosk.wait_screen("ic_pending")
    assert "¥100.00" in " ".join(screen.body), "the customer is told the money is recorded"
    assert card.balance == 1234
    assert len(pending_credits(kiosk.kiosk.ledger.records(), CARD_ID)) == 1
    kiosk.until("the slip", lambda: len(kiosk.kiosk.printer.emulator.receipts) == 1)
    assert "written the next time" in "\n".join(kiosk.kiosk.printer.emulator.receipts[0].lines)
    kiosk.synced()  # the money reached the core even though the card has not got it yet
    kiosk.press(Key.ENTER)
    kiosk.wait_screen("attract")

    card.fail_writes = 0
    link.remove()  # the customer takes the card and comes back with it later
    reader = kiosk.kiosk.ic_card.reader.device  # type: ignore[union-attr]
    kiosk.until("the reader to see the card gone", lambda: not reader.card_present)
    link.insert()
    kiosk.until(
        "the pending credit written at the insert",
        lambda: pending_credits(kiosk.kiosk.ledger.records()) == [],
    )
    assert (card.balance, card.counter) == (1234 + 10000, 1), "written once, not lost"
    assert kiosk.screen().screen_id == "attract", "no customer screen needed for it"
    assert kiosk.kiosk.cash.emulator.cashbox_total_minor == 10000

    _offered(kiosk)  # the customer then recharges as usual
    kiosk.open_service(LABEL)
    kiosk.wait_screen("ic_insert_cash")
    assert kiosk.amounts()["Card balance"] == "¥112.34"
    kiosk.press(Key.CANCEL)  # nothing inserted this time
    kiosk.wait_screen("attract")
    assert card.counter == 1


def test_a_pending_credit_survives_a_restart_is_flagged_and_then_written(
    rig: Rig,
) -> None:
    kiosk, card, link = rig
    _offered(kiosk)
    kiosk.open_service(LABEL)
    kiosk.wait_screen("ic_insert_cash")
    card.fail_writes = 10
    _pay_notes(kiosk, 20)
    kiosk.wait_screen("ic_pending")
    kiosk.stop_kiosk()  # power cut / restart

    card.fail_writes = 0
    runtime = kiosk.start_kiosk()
    assert runtime.recovery is not None and runtime.recovery.flagged, "technician is told"
    flags = [d["flag"] for d in kiosk.journal("recovery")]
    assert "card_credit_pending" in flags
    # the card is still in the reader: the restarted kiosk writes the credit when it sees it
    kiosk.until(
        "the pending credit written after the restart",
        lambda: pending_credits(kiosk.kiosk.ledger.records()) == [],
    )
    assert card.balance == 1234 + 2000 and card.counter == 1
    _offered(kiosk)
    kiosk.open_service(LABEL)
    kiosk.wait_screen("ic_insert_cash")
    assert kiosk.amounts()["Card balance"] == "¥32.34"
    kiosk.press(Key.CANCEL)
    kiosk.wait_screen("attract")
