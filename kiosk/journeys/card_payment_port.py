"""The bill-payment journey's view of the card station that also serves balance and statement.

Bill payment by card shares the one bank-card reader, PIN pad and card core with the card menu
services, so it must see the same "may we take cards now" answer (reader online, core answering,
no card of a finished session still inside) and must not take another reader's card (the
IC-card recharge reader publishes the same CardInserted events) for the customer's bank card.
"""

from __future__ import annotations

from typing import Any

from drivers.card_reader.base import CardInserted, CardRemoved, StripeRead, StripeReadFailed
from kiosk.card.station import CardStation
from kiosk.journeys.card_services_menu import CardServices


class StationCardPort:
    """A CardPort over the shared CardStation."""

    def __init__(self, station: CardStation) -> None:
        self._station = station

    @property
    def device_id(self) -> str:
        return self._station.reader.device_id

    def available(self) -> bool:
        return self._station.available()

    def request_read(self, request_id: str, aid: str | None = None) -> None:
        self._station.port.request_read(request_id, aid)

    def eject(self) -> None:
        self._station.port.eject()

    def retain(self) -> bool:
        return self._station.port.retain()

    def card_present(self) -> bool:
        """A dip reader: the customer may have put the card in before choosing to pay by card."""
        return self._station.reader.card_present

    def accepts_swipe(self) -> bool:
        return self._station.stripe_online()

    def mine(self, event: object) -> bool:
        """False for a card moved in another reader (the IC-card recharge slot)."""
        if isinstance(event, CardInserted | CardRemoved | StripeRead | StripeReadFailed):
            return self._station.mine(event)
        return True


def card_tender(card: CardServices) -> dict[str, Any]:
    """What BillPaymentJourney needs to take cards: the shared reader, pad and card core (the
    handler is built when the station starts, so it is passed as a callable)."""
    station = card.station
    return {
        "card_reader": StationCardPort(station),
        "pinpad": station.pinpad,
        "card_core": station.core,
        "card_handler": lambda: station.cards,
    }
