"""The last steps of every card session: the card goes back to the customer, or is kept.

Ejected -> the take-card screen counts down CardHandler's take timeout (a card left in the mouth
is retained: someone else could take it) -> taken. Retained (the issuer's order, or not taken):
the customer is told, then the session ends. A swiped card never went in: nothing is ejected
or captured (CardHandler journals that), and a parent with no screen of its own afterwards may
let the outcome be said here (SWIPE_DONE). Reports the session's one CardSessionEnded.
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.card_reader.base import CardInserted, CardRemoved, StripeRead, StripeReadFailed
from kiosk.card.handling import CardHandler
from kiosk.events import Key, KeyPressed
from kiosk.journeys.parts.base import Outcome, Part, PartContext
from kiosk.journeys.parts.card_session_screens import build_screen
from kiosk.journeys.parts.card_session_states import (
    TRANSITIONS,
    CardSessionEnded,
    CardState,
    CardTexts,
)
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money.amount import Money

S = CardState
DEVICE_EVENTS = (CardInserted, CardRemoved, StripeRead, StripeReadFailed)


class CardReturn(Part):
    pin_digits = 0  # what the shared card screens read of a session past its PIN
    app_labels: tuple[str, ...] = ()

    def __init__(
        self,
        ctx: PartContext,
        *,
        session_id: str,
        cards: CardHandler,
        texts: CardTexts,
        amount: Money | None,
        approved: bool,
        swiped: bool,
        tell_swipe_outcome: bool,
        timed_out: bool,
        on_done: Callable[[Outcome], None],
    ) -> None:
        super().__init__(ctx, on_done)
        self.session_id, self.cards, self.texts, self.amount = session_id, cards, texts, amount
        self.approved, self.swiped, self._tell_swipe = approved, swiped, tell_swipe_outcome
        self._timed_out = timed_out
        self.state = S.IDLE
        self.message_id, self.message_count = "", None
        self._reason = self._outcome = ""  # the eject/retain reason, and what to say next
        self._retained = False
        self.captured = False  # the reader took the card in (what the journal says too)

    # -- what the card session calls ---------------------------------------------------------

    def eject(self, reason: str, message_id: str, *, present: bool) -> None:
        self._reason, self._outcome = reason, message_id
        if present:
            self.cards.eject(self.session_id, reason)
            self._go(S.TAKE_CARD, message_id)
            return
        if self.swiped:
            self.cards.eject(self.session_id, reason)  # journals the swipe's end: nothing moves
        self._card_back()

    def retain(self, reason: str) -> None:
        self.cards.retain(self.session_id, reason)
        if self.swiped:  # journaled as ordered, not captured: the customer holds the card
            self._reason, self._outcome = reason, self.texts.retain_swiped
            self._card_back()
            return
        self._reason, self._retained = reason, True
        self.captured = self.cards.last_captured
        self._show(S.RETAINED)

    def end(self, reason: str, message_id: str) -> None:
        """No card to give back (none came in, or it was pulled out): over at once."""
        self._reason, self._outcome = reason, message_id
        self._over()

    def tell(self, message_id: str) -> None:
        self.message_id, self.message_count = message_id, None

    @property
    def retain_reason(self) -> str:
        """Why the card was kept (not_taken, issuer_order), for the retained screen."""
        return self._reason

    def swipe_offered(self) -> bool:
        return False

    def take_seconds(self) -> tuple[float, float]:
        return self.cards.seconds_left() or 0.0, self.cards.take_timeout

    def seconds_left(self) -> float | None:
        return self.cards.seconds_left() if self.state is S.TAKE_CARD else super().seconds_left()

    def screen(self) -> ScreenModel:
        return build_screen(self)

    def handle(self, event: object) -> bool:
        if self.finished:
            return False
        match event:
            case KeyPressed(key=key):
                if self.state in (S.SWIPE_DONE, S.RETAINED) and key in (Key.ENTER, Key.CANCEL):
                    self._over()
            case CardRemoved() if self.state is S.TAKE_CARD:
                self.cards.taken()
                self._card_back()
            case _:
                return isinstance(event, DEVICE_EVENTS)
        return True

    def tick(self) -> None:
        if self.state is S.TAKE_CARD and self.cards.tick():  # not taken in time: retained
            self._reason, self._retained = "not_taken", True
            self.captured = self.cards.last_captured
            self._show(S.RETAINED)
            return
        super().tick()

    def on_timeout(self) -> None:
        if self.state in (S.SWIPE_DONE, S.RETAINED):
            self._over()

    # -- the outcome -------------------------------------------------------------------------

    def _card_back(self) -> None:
        if self.swiped and self._outcome and self._tell_swipe:
            self._show(S.SWIPE_DONE, self._outcome)  # time to read the outcome
        else:
            self._over()

    def _show(self, state: CardState, message_id: str = "") -> None:
        self._go(state, message_id)
        self.arm(self.ctx.timeouts.result * self.ctx.timeout_factor(), customer=False)

    def _over(self) -> None:
        self._go(S.DONE, self._outcome)
        retained, timed_out = self._retained, self._timed_out
        self.finish(
            CardSessionEnded(self.approved, self._reason, self._outcome, retained, timed_out)
        )

    def _go(self, target: CardState, message_id: str = "") -> None:
        """Moves as the table allows; the message belongs to the state that raised it."""
        if target not in TRANSITIONS[self.state]:
            raise RuntimeError(f"card return {self.state.value} -> {target.value} not allowed")
        self.state = target
        self.message_id, self.message_count = message_id, None
