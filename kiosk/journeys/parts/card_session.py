"""The card session: one bank card from "insert or swipe" until it is back with the customer.

card in or swiped, read (kiosk/journeys/parts/card_intake.py) -> PIN on the pad (card_pin.py:
the part learns only the digit count) -> online authorization, sent by the parent for its
purpose -> approved: HELD while the parent shows its own steps, then `release()` -> the card
back or kept (card_return.py). Wrong PIN: retried with the tries left; an issuer retain order
is obeyed at once. A card pulled mid-way ends the session, except while authorizing: the answer
is still awaited, so an approval is never left unsettled. Journals card_journey_started,
card_authorized (the core's answer, no secrets), card_auth_failed and card_auth_timeout through
the parent's journal (the intake and the PIN entry add theirs), the card's moves through
CardHandler. A PIN block is handed to `authorize` and never kept.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from drivers.card_reader.base import CardInserted, CardRemoved, StripeRead, StripeReadFailed
from drivers.card_reader.emv.card_data import CardData
from drivers.pinpad.base import PinBlockReady, PinKeyEvent
from kiosk.card.handling import CardHandler
from kiosk.events import KeyPressed
from kiosk.journeys import card_ports as ports
from kiosk.journeys.parts.base import Outcome, Part, PartContext
from kiosk.journeys.parts.card_intake import CardAccepted, CardIntake, NoCard
from kiosk.journeys.parts.card_pin import PinAbandoned, PinEntered, PinEntry
from kiosk.journeys.parts.card_return import CardReturn
from kiosk.journeys.parts.card_session_screens import build_screen
from kiosk.journeys.parts.card_session_states import (
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
READER_EVENTS = (CardInserted, CardRemoved, StripeRead, StripeReadFailed)
DEVICE_EVENTS = (*READER_EVENTS, PinKeyEvent, PinBlockReady)  # this part's even when stale


class CardSession(Part):
    app_labels: tuple[str, ...] = ()  # what the shared card screens read of other steps
    pin_digits = 0

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
        self._reader, self._pad, self.cards = reader, pinpad, cards
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
        self.pin: PinEntry | None = None
        self.back: CardReturn | None = None  # once the card is on its way back (or kept)
        self._state = S.IDLE
        self.card: CardData | None = None
        self.auth: ports.AuthResult | None = None
        self.request_id = ""
        self.message_id, self.message_count = "", None
        self.present = False  # the card is in the reader (inserted, not yet taken)
        self.approved = self._timed_out = False

    # -- what a parent calls -------------------------------------------------------------------

    @property
    def state(self) -> CardState:
        return self._active.state if self._active is not self else self._state

    @property
    def _active(self) -> Part:
        """The part whose screen is up: the intake, the PIN entry, this session, or the return."""
        if self.back is not None:
            return self.back
        if not self.intake.finished and self.intake.state is not S.IDLE:
            return self.intake
        return self.pin if self._state is S.ENTER_PIN and self.pin is not None else self

    def start(self) -> None:
        if not self._reader.available():
            self._back().end("reader_unavailable", "card_reader_unavailable")
            return
        self.ctx.journal("card_journey_started", purpose=self.purpose)
        self.intake.start()

    def release(self, reason: str, message_id: str = "") -> None:
        """The parent is done with the approved card: back to the customer, `reason` journaled."""
        if self.state is not S.HELD:
            raise RuntimeError(f"release() in {self.state.value}")
        self._eject(reason, message_id)

    def tell(self, message_id: str) -> None:
        """The parent's news for the card's screen (a receipt printed while the card is out)."""
        shown = self.back if self.back is not None else self
        shown.message_id, shown.message_count = message_id, None

    @property
    def swiped(self) -> bool:
        return self.card is not None and self.card.source == "stripe"

    def swipe_offered(self) -> bool:
        return self.intake.swipe_offered()

    def take_seconds(self) -> tuple[float, float]:
        return 0.0, self.cards.take_timeout

    def seconds_left(self) -> float | None:
        active = self._active
        return super().seconds_left() if active is self else active.seconds_left()

    def screen(self) -> ScreenModel:
        active = self._active
        return self.with_countdown(build_screen(self)) if active is self else active.screen()

    def handle(self, event: object) -> bool:
        if self.finished or self.state is S.IDLE:
            return False
        mine = getattr(self._reader, "mine", None)  # StationCardPort: another reader's card
        if isinstance(event, READER_EVENTS) and mine is not None and not mine(event):
            return True
        if isinstance(event, CardRemoved) and self.present and self.back is None:
            self._removed()
            return True
        if (active := self._active) is not self:
            return active.handle(event)
        rid = self.request_id
        match event:
            case KeyPressed():
                return self._state is not S.HELD  # on HELD the parent's screen is up: its key
            case ports.AuthorizeDone(request_id=r) if r and r == rid:
                self._answered(event.result)
            case ports.CoreRequestFailed(request_id=r) if r and r == rid:
                self.request_id = ""
                self.ctx.journal("card_auth_failed", code=event.code)
                self._auth_unknown("no_answer")
                self._eject("core_failed", self.texts.no_answer)
            case _:
                # the reader's and the pad's news is this part's even when it changes nothing
                return isinstance(event, DEVICE_EVENTS)
        return True

    def tick(self) -> None:
        if (active := self._active) is self:
            super().tick()
        else:
            active.tick()

    # -- steps, in the order the customer meets them --------------------------------------------

    def _intake_done(self, outcome: Outcome) -> None:
        if isinstance(outcome, CardAccepted):
            card = self.card = outcome.card
            self.present = outcome.inserted
            self.cards.inserted(self.session_id, card.masked_pan, card.aid, card.source)
            if card.is_technician:
                self._eject("technician_card", "card_error_not_supported")
            else:
                self._ask_pin()
            return
        assert isinstance(outcome, NoCard)
        self.present, self._timed_out = outcome.inserted, outcome.timed_out
        if outcome.inserted:
            self._eject(outcome.reason, outcome.message_id)
        else:
            self._back().end(outcome.reason, outcome.message_id)

    def _ask_pin(self, message_id: str = "", count: int | None = None) -> None:
        assert self.card is not None
        self._go(S.ENTER_PIN)
        self.pin = PinEntry(
            self.ctx,
            pinpad=self._pad,
            pan=self.card.pan,
            texts=self.texts,
            amount=self.amount,
            on_done=self._pin_done,
            message_id=message_id,
            count=count,
        )

    def _pin_done(self, outcome: Outcome) -> None:
        if isinstance(outcome, PinAbandoned):
            self._timed_out = outcome.reason == "customer_timeout"
            self._eject(outcome.reason, "")
            return
        assert isinstance(outcome, PinEntered) and self.card is not None
        self.request_id = str(uuid.uuid4())
        self._go(S.AUTHORIZING)
        self.arm(self.ctx.timeouts.core_lookup, customer=False)
        self._authorize(self.request_id, self.card, outcome.pin_block, outcome.pin_format)

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
            self._pad.abort()
            self._back().retain("issuer_order")
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
        if self._state is S.AUTHORIZING:
            self.request_id = ""  # a late answer is ignored: the parent's reversal settles it
            self.ctx.journal("card_auth_timeout")
            self._auth_unknown("timeout")
            self._eject("core_timeout", self.texts.no_answer)

    def _removed(self) -> None:
        self.present = False
        self.cards.taken()
        if self._state in (S.ENTER_PIN, S.HELD):
            if self.pin is not None:
                self.pin.stop()
            self._back().end("removed", "card_error_removed")
        # AUTHORIZING: the answer is still awaited; what follows skips the take step

    # -- the card goes back (kiosk/journeys/parts/card_return.py) -------------------------------

    def _eject(self, reason: str, message_id: str) -> None:
        self._pad.abort()
        self._back().eject(reason, message_id, present=self.present)

    def _back(self) -> CardReturn:
        self.arm(None)
        self.back = CardReturn(
            self.ctx,
            session_id=self.session_id,
            cards=self.cards,
            texts=self.texts,
            amount=self.amount,
            approved=self.approved,
            swiped=self.swiped,
            tell_swipe_outcome=self._tell_swipe,
            timed_out=self._timed_out,
            on_done=self._returned,
        )
        return self.back

    def _returned(self, ended: Outcome) -> None:
        self.present = False
        self.finish(ended)

    def _go(self, target: CardState, message_id: str = "", count: int | None = None) -> None:
        """Moves as the table allows; the message belongs to the state that raised it."""
        if target not in TRANSITIONS[self._state]:
            raise RuntimeError(f"card session {self._state.value} -> {target.value} not allowed")
        log.info("card session %s -> %s", self._state.value, target.value)
        self._state = target
        self.message_id, self.message_count = message_id, count
