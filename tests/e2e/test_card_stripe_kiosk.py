"""The hybrid reader in the running kiosk: `stripe_port` in the config file -> the stripe head
driver on a pty, the head emulator swiping like a customer, the chip side on the real pcscd,
the reference core authorizing the swiped card's track 2 with the PIN block."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from drivers.base import DeviceState
from drivers.card_reader.stripe_emulator import StripeEmulator
from kiosk.events import Key
from kiosk.runtime.app import KioskRuntime
from tests.e2e.card_env import pcscd, pcscd_restored  # noqa: F401 - fixtures
from tests.e2e.test_card_kiosk import (  # noqa: F401 - rig is a fixture
    PIN,
    Rig,
    _offered_after_menu,
    _press,
    _pump_until,
    _screen,
    rig,
)

pytestmark = pytest.mark.e2e
STRIPE_PAN = "6210948000000029"  # CARDS["stripe_only"] of the head emulator


@pytest.fixture
def head() -> Iterator[StripeEmulator]:
    emulator = StripeEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


def _balance(card_rig: Rig, head: StripeEmulator) -> KioskRuntime:
    runtime = card_rig.kiosk(stripe_port=head.slave_path)
    assert runtime.card is not None
    station = runtime.card.station
    _pump_until(runtime, lambda s: station.stripe_online(), "the stripe head Online")
    labels = [c.label for c in _offered_after_menu(runtime, "Card balance").choices]
    _press(runtime, Key.digit(labels.index("Card balance") + 1))
    insert = _screen(runtime, "card_insert_card")
    assert "can be swiped" in insert.body[0]
    return runtime


def test_a_stripe_only_card_swiped_gets_its_balance(
    rig: Rig,  # noqa: F811
    head: StripeEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    rig.issuer.enrol(STRIPE_PAN, PIN, "321.00")
    runtime = _balance(rig, head)
    assert head.swipe_card("stripe_only")
    _screen(runtime, "card_enter_pin")
    _press(runtime, *[Key(d) for d in PIN], Key.ENTER)
    shown = _screen(runtime, "card_show_balance")
    assert shown.amounts[0].amount == "¥321.00" and shown.body == ("621094******0029",)
    _press(runtime, Key.ENTER)
    _screen(runtime, "attract")  # nothing to take back: the card never went in
    kinds = [r.kind for r in runtime.ledger.records() if r.kind.startswith("card_")]
    assert "card_swipe_ended" in kinds and "card_ejected" not in kinds
    assert STRIPE_PAN not in caplog.text and PIN not in caplog.text
    assert STRIPE_PAN.encode() not in (rig.tmp_path / "data" / "kiosk.db").read_bytes()


def test_a_chip_card_swiped_is_sent_to_the_chip_which_then_reads(
    rig: Rig,  # noqa: F811
    head: StripeEmulator,
) -> None:
    runtime = _balance(rig, head)
    assert head.swipe_card("chip_card")
    told = _pump_until(runtime, lambda s: "instead of swiping" in s.message, "use the chip")
    assert told.screen_id == "card_insert_card"
    rig.insert()  # the customer does as told
    _screen(runtime, "card_enter_pin")


def test_an_unplugged_head_shows_on_the_dashboard_and_chip_cards_still_work(
    rig: Rig,  # noqa: F811
    head: StripeEmulator,
) -> None:
    runtime = rig.kiosk(stripe_port=head.slave_path)
    assert runtime.card is not None
    station = runtime.card.station
    _pump_until(runtime, lambda s: station.stripe_online(), "the stripe head Online")
    head.stop()  # the head's cable pulled: it stops answering
    assert station.stripe is not None
    _pump_until(
        runtime,
        lambda s: station.stripe.health().state is DeviceState.OFFLINE,
        "the stripe head Offline",
    )
    assert runtime.health is not None
    heads = [d for d in runtime.health.snapshot().devices if d.device_id == "card_reader.stripe"]
    assert heads and heads[0].state is DeviceState.OFFLINE
    labels = [c.label for c in _offered_after_menu(runtime, "Card balance").choices]
    _press(runtime, Key.digit(labels.index("Card balance") + 1))
    insert = _screen(runtime, "card_insert_card")
    assert "swiped" not in insert.body[0]
    rig.insert()
    _screen(runtime, "card_enter_pin")


def test_a_bill_is_paid_with_a_swiped_card_and_charged_once(
    rig: Rig,  # noqa: F811
    head: StripeEmulator,
) -> None:
    rig.issuer.enrol(STRIPE_PAN, PIN, "500.00")
    runtime = rig.kiosk(stripe_port=head.slave_path)
    assert runtime.card is not None
    station = runtime.card.station
    _pump_until(runtime, lambda s: station.stripe_online(), "the stripe head Online")
    _offered_after_menu(runtime, "Card balance")  # the station is up: card is a tender now
    _press(runtime, Key.D1)  # pay a utility bill
    _screen(runtime, "choose_biller")
    _press(runtime, Key.D1, *[Key(d) for d in "1234567890"], Key.ENTER)
    _screen(runtime, "bill_details")
    _press(runtime, Key.D2)
    assert "can be swiped" in _screen(runtime, "card_insert_card").body[0]
    assert head.swipe_card("stripe_only")
    _screen(runtime, "card_enter_pin")
    _press(runtime, *[Key(d) for d in PIN], Key.ENTER)
    _screen(runtime, "attract", timeout=30)  # no card to take back: the receipt came at once
    [receipt] = runtime.printer.emulator.wait_for_receipts(1)
    text = "\n".join(receipt.lines)
    assert "0029" in text and STRIPE_PAN not in text and "125.50" in text
    _pump_until(runtime, lambda s: not runtime.outbox.status().pending, "the payment synced")
    assert str(rig.issuer.balance(STRIPE_PAN)) == "374.50"  # 500.00 - 125.50, charged once
