"""Is a customer using the kiosk, and does the kiosk hold their money or card right now?

Maintenance mode may only take over at a safe point: never with a note in escrow, a card in
the reader, or cash credited to a session that has not finished. The guard watches the same
device events the customer journeys see (it does not ask each journey), plus one question to
the session: is it back at the attract screen.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from drivers.card_reader.base import CardInserted, CardRemoved
from drivers.cash.base import NoteCredited, NoteInEscrow, NoteReturned


class Blocker(str, Enum):
    """Why maintenance mode cannot start now (journaled as the refusal reason)."""

    NONE = ""
    MONEY_IN_ESCROW = "money_in_escrow"
    CARD_INSIDE = "card_inside"
    MONEY_IN_SESSION = "money_in_session"
    CUSTOMER_SESSION = "customer_session"


class CustomerPresence:
    def __init__(self, session_idle: Callable[[], bool]) -> None:
        self._session_idle = session_idle
        self.escrow_held = False
        self.card_inside = False
        self.credited_in_session = False

    def observe(self, event: object) -> None:
        if isinstance(event, NoteInEscrow):
            self.escrow_held = True
        elif isinstance(event, NoteReturned):
            self.escrow_held = False
        elif isinstance(event, NoteCredited):
            self.escrow_held = False
            self.credited_in_session = not self._session_idle()
        elif isinstance(event, CardInserted):
            self.card_inside = True
        elif isinstance(event, CardRemoved):
            self.card_inside = False

    def customer_active(self) -> bool:
        return not self._session_idle()

    def holds_money_or_card(self) -> bool:
        return self.blocker() in (
            Blocker.MONEY_IN_ESCROW,
            Blocker.CARD_INSIDE,
            Blocker.MONEY_IN_SESSION,
        )

    def blocker(self, *, own_card: bool = False) -> Blocker:
        """The most serious reason not to start maintenance now, or NONE at a safe point.

        `own_card`: the card in the reader is the technician's own (card entry), not a customer's.
        """
        idle = self._session_idle()
        if idle:
            self.credited_in_session = False  # the session that took it has finished
        if self.escrow_held:
            return Blocker.MONEY_IN_ESCROW
        if self.card_inside and not own_card:
            return Blocker.CARD_INSIDE
        if self.credited_in_session:
            return Blocker.MONEY_IN_SESSION
        return Blocker.NONE if idle else Blocker.CUSTOMER_SESSION
