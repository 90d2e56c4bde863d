"""The PIN on the pad: every key goes straight to the PIN pad, which answers with digit counts.

The part never sees a digit: the screen shows one dot per digit and voice mode says "digit
entered". Enter on the pad gives the enciphered PIN block, handed on at once in PinEntered
(never shown by repr, never journaled); Cancel on the pad, or the customer's time running
out, ends the entry. A wrong PIN starts a new entry with the tries left said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.pinpad.base import PinBlockReady, PinKeyEvent, PinKeyKind
from kiosk.events import KeyPressed
from kiosk.journeys import card_ports as ports
from kiosk.journeys.parts.base import Outcome, Part, PartContext
from kiosk.journeys.parts.card_session_screens import build_screen
from kiosk.journeys.parts.card_session_states import CardState, CardTexts
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money.amount import Money


@dataclass(frozen=True)
class PinEntered:
    pin_block: str = field(repr=False)
    pin_format: str


@dataclass(frozen=True)
class PinAbandoned:
    reason: str  # cancelled, customer_timeout


class PinEntry(Part):
    state = CardState.ENTER_PIN
    app_labels: tuple[str, ...] = ()  # what the shared card screens read of other steps
    approved = False

    def __init__(
        self,
        ctx: PartContext,
        *,
        pinpad: ports.PinPort,
        pan: str,
        texts: CardTexts,
        amount: Money | None,
        on_done: Callable[[Outcome], None],
        message_id: str = "",
        count: int | None = None,
    ) -> None:
        super().__init__(ctx, on_done)
        self._pad, self.texts, self.amount = pinpad, texts, amount
        self.message_id, self.message_count = message_id, count  # e.g. "Tries left: 2"
        self.pin_digits = 0
        pinpad.begin(pan)
        self.arm(ctx.timeouts.input)

    def handle(self, event: object) -> bool:
        if self.finished:
            return False
        match event:
            case KeyPressed(key=key):
                self._pad.press(key)  # never logged or kept: the pad answers with a digit count
            case PinKeyEvent(kind=PinKeyKind.CANCEL):
                self.finish(PinAbandoned("cancelled"))
            case PinKeyEvent():
                self.pin_digits = event.digits
                if event.kind is PinKeyKind.DIGIT:
                    self.message_id, self.message_count = "card_digit_entered", None
                self.arm(self.ctx.timeouts.input)
            case PinBlockReady():
                self.finish(PinEntered(event.pin_block, event.pin_format.value))
            case _:
                return False
        return True

    def stop(self) -> None:
        """The card is gone: the pad collects nothing more."""
        self._pad.abort()
        self.arm(None)

    def on_timeout(self) -> None:
        self.ctx.journal("customer_timeout", state="card_enter_pin")
        self.finish(PinAbandoned("customer_timeout"))

    def swipe_offered(self) -> bool:
        return False

    def take_seconds(self) -> tuple[float, float]:
        return 0.0, 0.0

    def screen(self) -> ScreenModel:
        return self.with_countdown(build_screen(self))
