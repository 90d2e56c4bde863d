"""Bill payment with a card swiped on the hybrid reader's stripe head: a stripe-only card pays
(nothing to eject: the receipt follows at once), a chip card swiped is sent to the chip, a wrong
PIN can be retried, and an issuer's retain order cannot capture a card the customer holds."""

from __future__ import annotations

from pathlib import Path

from kiosk.events import Key, KeyPressed
from kiosk.journeys.bill_payment_states import State
from tests.kiosk.card_fakes import swiped
from tests.kiosk.test_bill_payment_card import PIN, CardRig, make_card_rig


def at_insert(tmp_path: Path, *, head: bool = True) -> CardRig:
    rig = make_card_rig(tmp_path)
    rig.reader.swipe = head
    rig.to_bill()
    rig.send(KeyPressed(Key.D2))
    assert rig.journey.state is State.CARD_INSERT
    return rig


def test_a_swiped_stripe_card_pays_and_the_receipt_follows_at_once(tmp_path: Path) -> None:
    rig = at_insert(tmp_path)
    assert "can be swiped" in rig.journey.screen().body[0]
    rig.send(swiped("stripe_only"))
    assert rig.journey.state is State.CARD_PIN and rig.reader.reads == []
    rig.type_pin(PIN)
    rig.answer(approved=True, tries_left=3, retain_card=False, auth_code="S00042")
    (payload,) = rig.queued()
    assert payload["tender"]["masked_pan"] == "621094******0029"
    assert rig.journey.state is State.PRINTING_RECEIPT and rig.reader.ejects == 0
    kinds = [r.kind for r in rig.ledger.records() if r.kind.startswith("card_")]
    assert "card_swipe_ended" in kinds and "card_ejected" not in kinds


def test_a_chip_card_swiped_is_told_to_use_the_chip(tmp_path: Path) -> None:
    rig = at_insert(tmp_path)
    rig.send(swiped("chip_card"))
    assert rig.journey.state is State.CARD_INSERT
    assert "instead of swiping" in rig.journey.screen().message


def test_without_a_head_the_swipe_is_neither_offered_nor_taken(tmp_path: Path) -> None:
    rig = at_insert(tmp_path, head=False)
    assert "swiped" not in rig.journey.screen().body[0]
    rig.send(swiped("stripe_only"))
    assert rig.journey.state is State.CARD_INSERT


def test_a_wrong_pin_on_a_swiped_card_can_be_retried(tmp_path: Path) -> None:
    rig = at_insert(tmp_path)
    rig.send(swiped("stripe_only"))
    rig.type_pin("000000")
    rig.answer(approved=False, tries_left=2, retain_card=False, reason="WRONG_PIN")
    assert rig.journey.state is State.CARD_PIN
    assert rig.journey.screen().message.endswith("2")


def test_a_retain_order_on_a_swiped_card_is_journaled_and_cash_is_still_offered(
    tmp_path: Path,
) -> None:
    rig = at_insert(tmp_path)
    rig.send(swiped("stripe_only"))
    rig.type_pin("000000")
    rig.answer(approved=False, tries_left=0, retain_card=True, reason="PIN_TRIES_EXCEEDED")
    assert rig.journey.state is State.BILL_DETAILS
    assert rig.cards.retained_count == 0
    retained = [r for r in rig.ledger.records() if r.kind == "card_retained"]
    assert not retained[0].data["captured"]
    assert "Pay with cash" in [c.label for c in rig.journey.screen().choices]
