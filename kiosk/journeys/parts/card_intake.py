"""Getting a card's data: insert or swipe -> read -> (application choice), or why there is none.

The first steps of every card session (and of anything else that reads a bank card). A swipe
on a hybrid reader's stripe head stands in for the insert, only while the card is asked for; a
refused swipe (a chip card: use the chip; a misread stripe) is journaled and said, and the
customer gets the full time again. Outcomes: CardAccepted, or NoCard saying whether a card is
in the reader to give back; the card session decides what follows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from drivers.card_reader.base import CardInserted, CardRemoved, StripeRead, StripeReadFailed
from drivers.card_reader.emv.card_data import CardData
from kiosk.events import Key, KeyPressed
from kiosk.journeys import card_ports as ports
from kiosk.journeys.parts.base import Outcome, Part, PartContext
from kiosk.journeys.parts.card_errors import NOTHING_TO_EJECT, READ_ERRORS, SWIPE_ERRORS
from kiosk.journeys.parts.card_session_screens import build_screen
from kiosk.journeys.parts.card_session_states import TRANSITIONS, CardState, CardTexts
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money.amount import Money

S = CardState
DEVICE_EVENTS = (CardInserted, CardRemoved, StripeRead, StripeReadFailed)


@dataclass(frozen=True)
class CardAccepted:
    card: CardData
    inserted: bool  # False: swiped, the customer holds the card


@dataclass(frozen=True)
class NoCard:
    reason: str  # cancelled, customer_timeout, read_failed, read_timeout, removed
    message_id: str
    inserted: bool  # a card is in the reader: it must be given back
    timed_out: bool = False


class CardIntake(Part):
    pin_digits = 0  # what the shared card screens read of a session that has no PIN yet
    approved = False

    def __init__(
        self,
        ctx: PartContext,
        *,
        reader: ports.CardPort,
        on_done: Callable[[Outcome], None],
        texts: CardTexts,
        accepts_swipe: Callable[[], bool],
        card_present: Callable[[], bool],
        amount: Money | None = None,
    ) -> None:
        super().__init__(ctx, on_done)
        self._reader, self.texts, self.amount = reader, texts, amount
        self._accepts_swipe, self._card_present = accepts_swipe, card_present
        self.state = S.IDLE
        self.request_id = ""
        self.app_labels: tuple[str, ...] = ()
        self._app_aids: tuple[str, ...] = ()
        self.message_id, self.message_count = "", None
        self.inserted = False

    def start(self) -> None:
        self._go(S.INSERT_CARD)
        self.arm(self.ctx.timeouts.menu)
        if self._card_present():  # a dip reader: the card went in before the service was chosen
            self._inserted()

    def swipe_offered(self) -> bool:
        return self._accepts_swipe()

    def take_seconds(self) -> tuple[float, float]:
        return 0.0, 0.0

    def screen(self) -> ScreenModel:
        return self.with_countdown(build_screen(self))

    def handle(self, event: object) -> bool:
        if self.finished:
            return False
        s, rid = self.state, self.request_id
        match event:
            case KeyPressed(key=key):
                self._on_key(key)
            case CardInserted() if s is S.INSERT_CARD:
                self._inserted()
            case CardRemoved() if self.inserted:
                self.finish(NoCard("removed", "card_error_removed", inserted=False))
            case StripeRead() | StripeReadFailed() if s is S.INSERT_CARD and self._accepts_swipe():
                self._swiped(event)
            case ports.CardAppsOffered(request_id=r) if r and r == rid:
                self._app_aids, self.app_labels = event.aids, event.labels
                self._go(S.CHOOSE_APP)
                self.arm(self.ctx.timeouts.menu)
            case ports.CardReadDone(request_id=r) if r and r == rid:
                self.finish(CardAccepted(event.card, self.inserted))
            case ports.CardReadFailed(request_id=r) if r and r == rid:
                self._read_failed(event.code)
            case _:
                return isinstance(event, DEVICE_EVENTS)  # the reader's news changes nothing now
        return True

    def on_timeout(self) -> None:
        if self.state is S.READING:
            self.finish(NoCard("read_timeout", "card_error_unreadable", self.inserted))
            return
        self.ctx.journal("customer_timeout", state=f"card_{self.state.value}")
        self.finish(NoCard("customer_timeout", "", self.inserted, timed_out=True))

    def _on_key(self, key: Key) -> None:
        s = self.state
        if s is S.INSERT_CARD and key is Key.CANCEL:
            self.finish(NoCard("cancelled", "", inserted=False))
        elif s is S.CHOOSE_APP and key is Key.CANCEL:
            self.finish(NoCard("cancelled", "", inserted=True))
        elif s is S.CHOOSE_APP and key.is_digit:
            index = int(key.value) - 1
            if 0 <= index < len(self._app_aids):
                self._read(self._app_aids[index])
        else:
            self.rearm()

    def _inserted(self) -> None:
        self.inserted = True
        self._read(None)

    def _read(self, aid: str | None) -> None:
        self.request_id = str(uuid.uuid4())
        self._go(S.READING)
        self.arm(self.ctx.timeouts.core_lookup, customer=False)
        self._reader.request_read(self.request_id, aid)

    def _swiped(self, event: StripeRead | StripeReadFailed) -> None:
        if isinstance(event, StripeRead):
            self.finish(CardAccepted(event.card, inserted=False))
            return
        self.ctx.journal("card_swipe_refused", code=event.code)
        self.message_id = SWIPE_ERRORS.get(event.code, "card_error_swipe_again")
        self.arm(self.ctx.timeouts.menu)

    def _read_failed(self, code: str) -> None:
        self.ctx.journal("card_read_failed", code=code)
        message = READ_ERRORS.get(code, "card_error_unreadable")
        self.finish(NoCard("read_failed", message, self.inserted and code not in NOTHING_TO_EJECT))

    def _go(self, target: CardState) -> None:
        """Moves as the table allows; a message belongs to the state that raised it."""
        if target not in TRANSITIONS[self.state]:
            raise RuntimeError(f"card intake {self.state.value} -> {target.value} not allowed")
        self.state = target
        self.message_id = ""
