"""A card swiped on the hybrid reader's stripe head, inside a card journey.

A swipe stands in for inserting the card, only while the journey waits for one: a stripe-only
card goes on to PIN entry like a chip card; a refused swipe (a chip card, a misread stripe, an
expired card) is journaled and told to the customer, who is still asked for the card and can
insert the chip or swipe again. The card never enters the reader, so at the end nothing is
ejected and nothing can be captured: kiosk/card/handling.py journals that for a stripe card.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.card_reader.base import StripeRead, StripeReadFailed
from kiosk.journeys.balance_states import READ_ERRORS

if TYPE_CHECKING:
    from kiosk.journeys.balance import CardJourney

SWIPE_ERRORS = {**READ_ERRORS, "CARD_STRIPE_UNREADABLE": "card_error_swipe_again"}


def on_swipe(j: CardJourney, event: StripeRead | StripeReadFailed) -> None:
    if isinstance(event, StripeRead):
        j.accept_card(event.card)
        return
    j.ledger.record(j.session_id, "card_swipe_refused", {"code": event.code})
    j._say(SWIPE_ERRORS.get(event.code, "card_error_swipe_again"))
    j.restart_wait()
