"""What the card journeys (balance inquiry, statement) share: one card session, then own steps.

A card journey starts a CardSession (kiosk/journeys/parts/card_session.py) for its purpose and
shows its screens until the card is approved; the session then HOLDS the card while the journey
shows its own steps (the balance, the statement period), and `give_back()` hands the card back
to the session, which ejects it and reports once the customer has it (or it was retained).
The subclasses (kiosk/journeys/balance.py, kiosk/journeys/statement.py) list those steps.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from drivers.card_reader.emv.card_data import CardData
from kiosk.card.handling import CardHandler
from kiosk.clock import Clock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys.card_ports import AuthResult, CardCorePort, CardPort, PinPort
from kiosk.journeys.parts.base import Cabinet, Outcome, PartContext
from kiosk.journeys.parts.card_errors import ERROR_MESSAGES
from kiosk.journeys.parts.card_session import CardSession, CardSessionEnded, CardState, CardTexts
from kiosk.journeys.parts.card_session_screens import done_screen
from kiosk.journeys.parts.card_session_states import CUSTOMER_STATES
from kiosk.journeys.ports import PrintPort
from kiosk.journeys.screen_model import ScreenModel, Tone
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig


class Purpose(str, Enum):
    BALANCE = "balance"
    STATEMENT = "statement"


class State(str, Enum):
    CARD = "card"  # the card session's screens are up
    SHOW_BALANCE = "show_balance"
    CHOOSE_PERIOD = "choose_period"
    FETCHING = "fetching"
    PRINTING = "printing"
    RECEIPT_DONE = "receipt_done"  # balance receipt outcome, after the card was taken
    DONE = "done"


# Cancel here is the customer's "give my card back" (as at the card session's input screens).
CANCEL_STATES = frozenset({State.SHOW_BALANCE, State.CHOOSE_PERIOD})
TEXTS = CardTexts(
    declined=lambda reason: "card_declined",
    no_answer="core_unreachable",
    retain_swiped="card_declined",
)


@dataclass(frozen=True)
class Said:
    """A message on one of the journey's own screens ("Printing 3 pages": a count after it)."""

    message_id: str = ""
    count: int | None = None

    def fields(self, ctx: PartContext) -> dict[str, Any]:
        if not self.message_id:
            return {}
        text = ctx.text(self.message_id)
        text = text if self.count is None else f"{text} {self.count}"
        tone = Tone.ERROR if self.message_id in ERROR_MESSAGES else Tone.INFO
        return {"message": text, "tone": tone}


def printing_screen(ctx: PartContext, said: Said) -> ScreenModel:
    """Paper on its way (a balance slip, statement pages): busy, nothing to press."""
    t = ctx.text
    return ScreenModel(
        "card_printing", ctx.lang(), t("printing_title"), busy=True, **said.fields(ctx)
    )


class CardJourney:
    purpose: Purpose  # each journey names its own

    def __init__(
        self,
        *,
        kiosk_id: str,
        lang: str,
        catalog: Catalog,
        clock: Clock,
        timeouts: TimeoutConfig,
        ledger: Ledger,
        reader: CardPort,
        pinpad: PinPort,
        core: CardCorePort,
        cards: CardHandler,
        printer: PrintPort | None = None,
        timezone: str = "Asia/Shanghai",
        accepts_swipe: bool = False,
        card_present: Callable[[], bool] = lambda: False,
        cabinet: Cabinet | None = None,
    ) -> None:
        self.kiosk_id, self.lang, self.catalog, self.clock = kiosk_id, lang, catalog, clock
        self.timeouts, self.timezone, self.ledger = timeouts, timezone, ledger
        self.accepts_swipe = accepts_swipe  # a hybrid reader's stripe head is Online
        self.core, self.printer = core, printer
        self.session_id = str(uuid.uuid4())
        self.ctx = PartContext(
            catalog, clock, timeouts, self._journal, lambda: self.lang, cabinet=cabinet or Cabinet()
        )
        self.card = CardSession(
            self.ctx,
            purpose=self.purpose.value,
            session_id=self.session_id,
            reader=reader,
            pinpad=pinpad,
            cards=cards,
            authorize=self._authorize,
            authorized=self.approved,
            on_done=self._card_over,
            texts=TEXTS,
            accepts_swipe=lambda: self.accepts_swipe,
            card_present=card_present,
            tell_swipe_outcome=True,  # no screen of ours follows to say it on
        )
        self.state = State.CARD
        self.said = Said()
        self._deadline: float | None = None

    # -- what the menu service calls ---------------------------------------------------------

    @property
    def step(self) -> CardState | State:
        """The step whose screen is up: the card session's while it shows, else the journey's."""
        return self.card.state if self.state is State.CARD else self.state

    @property
    def done(self) -> bool:
        return self.state is State.DONE

    def start(self) -> None:
        self.card.start()

    def handle(self, event: object) -> None:
        if isinstance(event, KeyPressed) and event.key is Key.LANGUAGE and not self.done:
            self.lang = "en" if self.lang == "zh_CN" else "zh_CN"  # every screen, PIN too
            return
        if self.done or self.card.handle(event):
            return  # late answers for a finished session change nothing
        self.on_event(event)

    def tick(self) -> None:
        if not self.card.finished:
            self.card.tick()
        if self._deadline is not None and self.clock.monotonic() >= self._deadline:
            self._deadline = None
            self.on_timeout()

    def screen(self) -> ScreenModel:
        """The step's screen, with the language switch on every screen that asks something."""
        if self.state is State.CARD:
            model = self.card.screen()
        elif self.state is State.DONE:
            model = done_screen(self.ctx, self.said.message_id)
        else:
            model = self.own_screen()
        if model.busy or not (model.choices or model.input or model.enter_label):
            return model
        return replace(model, language_label=self.ctx.text("switch_language"))

    def seconds_left(self) -> float | None:
        if self.state is State.CARD:
            return self.card.seconds_left()
        return None if self._deadline is None else max(0.0, self._deadline - self.clock.monotonic())

    def abandon(self) -> None:
        """The customer left: Cancel, as their own key would (PIN entry: the pad cancels)."""
        if self.step in CUSTOMER_STATES or self.step in CANCEL_STATES:
            self.handle(KeyPressed(Key.CANCEL))

    # -- what the journeys use ---------------------------------------------------------------

    def go(self, target: State, timeout: float | None = None, said: Said = Said()) -> None:
        self.state, self.said = target, said
        self._deadline = None if timeout is None else self.clock.monotonic() + timeout

    def give_back(self, reason: str, message_id: str = "") -> None:
        """The journey is done with the card: the session ejects it (`reason` journaled)."""
        self.go(State.CARD)
        self.card.release(reason, message_id)

    def card_over(self, ended: CardSessionEnded) -> None:
        """The card is back with the customer (or retained): by default the journey ends."""
        self.go(State.DONE, said=Said(ended.message_id))

    def approved(self, card: CardData, auth: AuthResult) -> None:
        raise NotImplementedError

    def on_event(self, event: object) -> None:
        """An event the card session did not take (keys on the journey's screens, answers)."""

    def on_timeout(self) -> None:
        """The deadline of the journey's own step passed."""

    def own_screen(self) -> ScreenModel:
        raise NotImplementedError

    def _card_over(self, ended: Outcome) -> None:
        assert isinstance(ended, CardSessionEnded)
        self.card_over(ended)

    def _authorize(self, request_id: str, card: CardData, pin_block: str, pin_format: str) -> None:
        self.core.request_authorize(request_id, card, pin_block, pin_format, self.purpose.value)

    def _journal(self, kind: str, **data: object) -> None:
        self.ledger.record(self.session_id, kind, data)
