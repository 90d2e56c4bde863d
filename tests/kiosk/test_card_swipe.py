"""A swipe on the hybrid reader's stripe head inside the balance and statement journeys: the
customer with a stripe-only card gets served, a chip card swiped is sent to the chip, and a
swiped card is never "ejected", waited for or counted as captured."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.card_reader.base import CardInserted
from kiosk.events import Key, KeyPressed
from kiosk.journeys.card_journey import State
from kiosk.journeys.parts.card_session import CardState
from kiosk.speech.script import screen_script
from tests.kiosk.card_fakes import swiped
from tests.kiosk.test_balance_journey import Rig


def hybrid(tmp_path: Path) -> Rig:
    rig = Rig(tmp_path)
    rig.journey.accepts_swipe = True
    rig.journey.start()
    return rig


def kinds(rig: Rig) -> list[str]:
    return [r.kind for r in rig.ledger.records() if r.kind.startswith("card_")]


def test_the_insert_screen_offers_the_swipe_only_when_the_head_is_there(tmp_path: Path) -> None:
    rig = hybrid(tmp_path)
    assert "can be swiped" in rig.journey.screen().body[0]
    chip_only = Rig(tmp_path / "chip")
    chip_only.journey.start()
    assert "swiped" not in chip_only.journey.screen().body[0]
    chip_only.send(swiped("stripe_only"))
    assert (
        chip_only.journey.card.state is CardState.INSERT_CARD
    )  # a swipe it did not offer is ignored


def test_a_stripe_only_card_gets_its_balance_and_nothing_is_ejected(tmp_path: Path) -> None:
    rig = hybrid(tmp_path)
    rig.send(swiped("stripe_only"))
    assert rig.journey.card.state is CardState.ENTER_PIN and rig.reader.reads == []
    rig.type_pin("1234")
    rig.authorize(
        approved=True,
        tries_left=3,
        retain_card=False,
        balance={"amount": "321.00", "currency": "CNY"},
    )
    assert rig.journey.state is State.SHOW_BALANCE
    assert rig.journey.screen().body == ("621094******0029",)
    rig.send(KeyPressed(Key.ENTER))
    assert rig.journey.state is State.DONE and rig.reader.ejects == 0
    assert not rig.cards.awaiting_take
    assert kinds(rig) == [
        "card_journey_started",
        "card_read",
        "card_authorized",
        "card_swipe_ended",
    ]
    read = next(r for r in rig.ledger.records() if r.kind == "card_read")
    assert read.data == {"masked_pan": "621094******0029", "aid": "", "source": "stripe"}


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_chip_card_swiped_is_told_to_use_the_chip_and_can_then_be_inserted(
    tmp_path: Path, lang: str
) -> None:
    rig = hybrid(tmp_path)
    rig.journey.lang = lang
    rig.send(swiped("chip_card"))
    assert rig.journey.card.state is CardState.INSERT_CARD
    screen = rig.journey.screen()
    expected = rig.journey.catalog.text(lang, "card_error_use_chip")
    spoken = [u.shows for u in screen_script(screen, rig.journey.catalog)]
    assert screen.message == expected and expected in spoken
    rig.clock.advance(40)  # the refusal gave the customer the full time again
    rig.journey.tick()
    assert rig.journey.card.state is CardState.INSERT_CARD
    rig.send(CardInserted("card", "3B00"))
    assert rig.journey.card.state is CardState.READING
    refused = [r for r in rig.ledger.records() if r.kind == "card_swipe_refused"]
    assert refused[0].data == {"code": "CARD_USE_CHIP"}


def test_a_misread_stripe_asks_for_another_swipe(tmp_path: Path) -> None:
    rig = hybrid(tmp_path)
    rig.send(swiped("bad_lrc"))
    assert rig.journey.card.state is CardState.INSERT_CARD
    assert rig.journey.screen().message.startswith("The stripe could not be read")
    rig.send(swiped("stripe_only"))
    assert rig.journey.card.state is CardState.ENTER_PIN


def test_an_issuer_retain_order_on_a_swiped_card_is_journaled_not_captured(
    tmp_path: Path,
) -> None:
    rig = hybrid(tmp_path)
    rig.send(swiped("stripe_only"))
    rig.type_pin("9999")
    rig.authorize(approved=False, tries_left=0, retain_card=True, reason="PIN_TRIES_EXCEEDED")
    assert rig.journey.card.state is CardState.SWIPE_DONE
    assert rig.journey.screen().message.startswith("Your bank declined")
    assert rig.cards.retained_count == 0 and rig.reader.ejects == 0
    retained = [r for r in rig.ledger.records() if r.kind == "card_retained"]
    assert retained[0].data["reason"] == "issuer_order" and not retained[0].data["captured"]
    rig.send(KeyPressed(Key.ENTER))
    assert rig.journey.state is State.DONE


def test_the_outcome_screen_of_a_swiped_card_times_out(tmp_path: Path) -> None:
    rig = hybrid(tmp_path)
    rig.send(swiped("stripe_only"))
    rig.type_pin("1234")
    rig.authorize(approved=False, tries_left=3, retain_card=False, reason="DECLINED")
    assert rig.journey.card.state is CardState.SWIPE_DONE
    rig.clock.advance(rig.journey.timeouts.result + 1)
    rig.journey.tick()
    assert rig.journey.state is State.DONE
