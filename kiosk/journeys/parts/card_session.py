"""The card session: one bank card from "insert or swipe" until it is back with the customer.

card in or swiped, read (kiosk/journeys/parts/card_intake.py) -> PIN on the pad (keys go
straight to it: the part learns only the digit count) -> online authorization, sent by the
parent for its purpose -> approved: HELD while the parent shows its own steps, then `release()`
-> ejected -> taken, or retained by CardHandler after its take timeout. Wrong PIN: retried with
the tries left; an issuer retain order is obeyed at once (a swiped card cannot be captured: the
order is journaled and the customer told). A card pulled mid-way ends the session, except while
authorizing: the answer is still awaited, so an approval is never left unsettled.
Journals through the parent (card_journey_started, card_authorized, card_auth_failed,
card_auth_timeout; the intake: card_read_failed, card_swipe_refused, customer_timeout) and
through CardHandler (every move of the card). A PIN block is handed to `authorize`, never kept.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from drivers.card_reader.base import CardInserted, CardRemoved, StripeRead, StripeReadFailed
from drivers.card_reader.emv.card_data import CardData
from drivers.pinpad.base import PinBlockReady, PinKeyEvent, PinKeyKind
from kiosk.card.handling import CardHandler
from kiosk.events import Key, KeyPressed
from kiosk.journeys import card_ports as ports
from kiosk.journeys.parts.base import Outcome, Part, PartContext
from kiosk.journeys.parts.card_intake import CardAccepted, CardIntake, NoCard
from kiosk.journeys.parts.card_session_screens import build_screen
from kiosk.journeys.parts.card_session_states import (
    CUSTOMER_STATES,
    TRANSITIONS,
    CardSessionEnded,
    CardState,
    CardTexts,
)
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money.amount import Money

__all__ = ["CardSession", "CardSessionEnded", "CardState", "CardTexts"]
log = logging.getLogger(__name__)
S = CardState
DEVICE_EVENTS = (CardInserted, CardRemoved, StripeRead, StripeReadFailed)


class CardSession(Part):
    def __init__(
        self,
        ctx: PartContext,
        *,
        purpose: str,
        session_id: str,
        reader: ports.CardPort,
        pinpad: ports.PinPort,
        cards: CardHandler,
        authorize: Callable[[str, CardData, str, str], None],
        authorized: Callable[[CardData, ports.AuthResult], None],
        on_done: Callable[[Outcome], None],
        texts: CardTexts,
        accepts_swipe: Callable[[], bool] = lambda: False,
        auth_unknown: Callable[[str], None] = lambda reason: None,
        amount: Money | None = None,
        card_present: Callable[[], bool] = lambda: False,
        tell_swipe_outcome: bool = False,
    ) -> None:
        """`authorize`: the parent journals and sends; AuthorizeDone/CoreRequestFailed answer.
        `auth_unknown(reason)`: a hold the core may have will not be used (timeout, no_answer,
        retain_ordered): the parent reverses it. `tell_swipe_outcome`: a parent with no screen
        of its own afterwards lets the part say a swiped card's outcome (SWIPE_DONE)."""
        super().__init__(ctx, on_done)
        self.purpose, self.session_id, self.texts, self.amount = purpose, session_id, texts, amount
        self._reader, self._pin, self.cards = reader, pinpad, cards
        self._authorize, self._authorized = authorize, authorized
        self._auth_unknown, self._tell_swipe = auth_unknown, tell_swipe_outcome
        self.intake = CardIntake(
            ctx,
            reader=reader,
            on_done=self._intake_done,
            texts=texts,
            accepts_swipe=accepts_swipe,
            card_present=card_present,
            amount=amount,
        )
        self._state = S.IDLE
        self.card: CardData | None = None
        self.auth: ports.AuthResult | None = None
        self.pin_digits = 0
        self.request_id = ""
        self.message_id, self.message_count = "", None
        self.present = False  # the card is in the reader (inserted, not yet taken)
        self.approved = False
        self._end = ("", "")  # the eject/retain reason and the message, told once it is over
        self._retained = self._timed_out = False

    # -- what a parent calls -------------------------------------------------------------------

    @property
    def state(self) -> CardState:
        reading = self._state is S.IDLE and self.intake.state is not S.IDLE
        return self.intake.state if reading and not self.intake.finished else self._state

    def start(self) -> None:
        if not self._reader.available():
            self._finish_now("reader_unavailable", "card_reader_unavailable")
            return
        self.ctx.journal("card_journey_started", purpose=self.purpose)
        self.intake.start()

    def release(self, reason: str, message_id: str = "") -> None:
        """The parent is done with the approved card: back to the customer, `reason` journaled."""
        if self._state is not S.HELD:
            raise RuntimeError(f"release() in {self.state.value}")
        self._eject(reason, message_id)

    def tell(self, message_id: str) -> None:
        """The parent's news for the screen now up (a receipt printed while the card is out)."""
        self.message_id, self.message_count = message_id, None

    @property
    def swiped(self) -> bool:
        return self.card is not None and self.card.source == "stripe"

    def swipe_offered(self) -> bool:
        return self.intake.swipe_offered()

    def take_seconds(self) -> tuple[float, float]:
        return self.cards.seconds_left() or 0.0, self.cards.take_timeout

    def seconds_left(self) -> float | None:
        if self.state in (S.INSERT_CARD, S.READING, S.CHOOSE_APP):
            return self.intake.seconds_left()
        return self.cards.seconds_left() if self.state is S.TAKE_CARD else super().seconds_left()

    def screen(self) -> ScreenModel:
        if self.state in (S.INSERT_CARD, S.READING, S.CHOOSE_APP):
            return self.intake.screen()
        model = build_screen(self)
        return self.with_countdown(model) if self.state in CUSTOMER_STATES else model

    def handle(self, event: object) -> bool:
        if self.finished or self.state is S.IDLE:
            return False
        mine = getattr(self._reader, "mine", None)  # StationCardPort: another reader's card
        if isinstance(event, DEVICE_EVENTS) and mine is not None and not mine(event):
            return True
        if not self.intake.finished:
            return self.intake.handle(event)
        s, rid = self._state, self.request_id
        match event:
            case KeyPressed(key=key):
                return self._on_key(key)
            case CardRemoved():
                self._removed()
            case PinKeyEvent() if s is S.ENTER_PIN:
                self._pin_key(event)
            case PinBlockReady() if s is S.ENTER_PIN and self.card is not None:
                self._send(event)
            case ports.AuthorizeDone(request_id=r) if r and r == rid:
                self._answered(event.result)
            case ports.CoreRequestFailed(request_id=r) if r and r == rid:
                self.request_id = ""
                self.ctx.journal("card_auth_failed", code=event.code)
                self._auth_unknown("no_answer")
                self._eject("core_failed", self.texts.no_answer)
            case _:
                # the reader's and the pad's news is this part's even when it changes nothing
                return isinstance(event, (*DEVICE_EVENTS, PinKeyEvent, PinBlockReady))
        return True

    def tick(self) -> None:
        if not self.intake.finished:
            self.intake.tick()
        elif self._state is S.TAKE_CARD and self.cards.tick():  # not taken in time: retained
            self.present, self._retained = False, True
            self._end = ("not_taken", self._end[1])
            self._result(S.RETAINED)
        else:
            super().tick()

    # -- steps, in the order the customer meets them --------------------------------------------

    def _intake_done(self, outcome: Outcome) -> None:
        if isinstance(outcome, CardAccepted):
            self.present, self.card = outcome.inserted, outcome.card
            self.cards.inserted(
                self.session_id, self.card.masked_pan, self.card.aid, self.card.source
            )
            if self.card.is_technician:
                self._eject("technician_card", "card_error_not_supported")
            else:
                self._ask_pin()
            return
        assert isinstance(outcome, NoCard)
        self.present, self._timed_out = outcome.inserted, outcome.timed_out
        if outcome.inserted:
            self._eject(outcome.reason, outcome.message_id)
        else:
            self._finish_now(outcome.reason, outcome.message_id)

    def _on_key(self, key: Key) -> bool:
        s = self._state
        if s is S.HELD:
            return False  # the parent's screen is up: its key
        if s is S.ENTER_PIN:
            self._pin.press(key)  # never logged or kept: the pad answers with a digit count
        elif s in (S.SWIPE_DONE, S.RETAINED) and key in (Key.ENTER, Key.CANCEL):
            self._over()
        return True

    def _ask_pin(self, message_id: str = "", count: int | None = None) -> None:
        assert self.card is not None
        self.pin_digits = 0
        self._pin.begin(self.card.pan)
        self._go(S.ENTER_PIN, message_id, count)
        self.arm(self.ctx.timeouts.input)

    def _pin_key(self, event: PinKeyEvent) -> None:
        self.pin_digits = event.digits
        if event.kind is PinKeyKind.CANCEL:
            self._eject("cancelled", "")
            return
        if event.kind is PinKeyKind.DIGIT:
            self.tell("card_digit_entered")
        self.arm(self.ctx.timeouts.input)

    def _send(self, event: PinBlockReady) -> None:
        assert self.card is not None
        self.request_id = str(uuid.uuid4())
        self._go(S.AUTHORIZING)
        self.arm(self.ctx.timeouts.core_lookup, customer=False)
        self._authorize(self.request_id, self.card, event.pin_block, event.pin_format.value)

    def _answered(self, result: ports.AuthResult) -> None:
        self.auth, self.request_id = result, ""
        self.ctx.journal(
            "card_authorized",
            approved=result.approved,
            reason=result.reason,
            tries_left=result.tries_left,
            auth_code=result.auth_code,
            retain_card=result.retain_card,
        )
        if result.retain_card:
            if result.approved:
                self._auth_unknown("retain_ordered")
            self._retain("issuer_order")
        elif result.approved:
            assert self.card is not None
            self.approved = True
            self._go(S.HELD)
            self.arm(None)
            self._authorized(self.card, result)
        elif result.reason == "WRONG_PIN" and result.tries_left:
            if self.present or self.swiped:
                self._ask_pin("card_wrong_pin", result.tries_left)
            else:
                self._eject("declined", "card_error_removed")  # no card left to retry with
        else:
            self._eject("declined", self.texts.declined(result.reason))

    def on_timeout(self) -> None:
        s = self._state
        if s is S.ENTER_PIN:
            self.ctx.journal("customer_timeout", state=f"card_{s.value}")
            self._timed_out = True
            self._eject("customer_timeout", "")
        elif s is S.AUTHORIZING:
            self.request_id = ""  # a late answer is ignored: the parent's reversal settles it
            self.ctx.journal("card_auth_timeout")
            self._auth_unknown("timeout")
            self._eject("core_timeout", self.texts.no_answer)
        elif s in (S.SWIPE_DONE, S.RETAINED):
            self._over()

    # -- the card goes back, or is kept ---------------------------------------------------------

    def _eject(self, reason: str, message_id: str) -> None:
        self._pin.abort()
        self._end = (reason, message_id)
        if self.present:
            self.cards.eject(self.session_id, reason)
            self._go(S.TAKE_CARD, message_id)
            return
        if self.swiped:
            self.cards.eject(self.session_id, reason)  # journals the swipe's end: nothing moves
        self._card_back()

    def _retain(self, reason: str) -> None:
        self._pin.abort()
        self.cards.retain(self.session_id, reason)
        if self.swiped:  # journaled as ordered, not captured: the customer holds the card
            self._end = (reason, self.texts.retain_swiped)
            self._card_back()
            return
        self.present, self._retained, self._end = False, True, (reason, "")
        self._result(S.RETAINED)

    def _removed(self) -> None:
        if not self.present:
            return  # a swiped card never went in: the chip reader's news is not about it
        self.present = False
        self.cards.taken()
        if self._state is S.TAKE_CARD:
            self._card_back()
        elif self._state in (S.ENTER_PIN, S.HELD):
            self._pin.abort()
            self._finish_now("removed", "card_error_removed")
        # AUTHORIZING: the answer is still awaited; what follows skips the take step

    def _card_back(self) -> None:
        if self.swiped and self._end[1] and self._tell_swipe:
            self._result(S.SWIPE_DONE, self._end[1])  # time to read the outcome
        else:
            self._over()

    def _result(self, state: CardState, message_id: str = "") -> None:
        self._go(state, message_id)
        self.arm(self.ctx.timeouts.result * self.ctx.timeout_factor(), customer=False)

    def _finish_now(self, reason: str, message_id: str) -> None:
        self._end = (reason, message_id)
        self._over()

    def _over(self) -> None:
        reason, message_id = self._end
        self._go(S.DONE, message_id)
        ended = CardSessionEnded(self.approved, reason, message_id, self._retained, self._timed_out)
        self.finish(ended)

    def _go(self, target: CardState, message_id: str = "", count: int | None = None) -> None:
        """Moves as the table allows; the message belongs to the state that raised it."""
        if target not in TRANSITIONS[self._state]:
            raise RuntimeError(f"card session {self._state.value} -> {target.value} not allowed")
        log.info("card session %s -> %s", self._state.value, target.value)
        self._state = target
        self.message_id, self.message_count = message_id, count
