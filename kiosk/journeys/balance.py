"""Card journeys: balance inquiry, and (with kiosk/journeys/statement.py) statement printing.

card -> (application choice) -> PIN on the pad -> online authorisation -> balance shown, or
period -> entries -> multi-page statement printed; then the card is ejected and the customer has
`take_timeout` seconds to take it before it is retained. A card swiped on a hybrid reader's
stripe head stands in for the insert (kiosk/journeys/card_swipe.py) and is never ejected.
Events enter through `handle`, time through `tick`. Key presses during PIN entry go straight to
the PIN pad and are never logged, journaled or kept: the journey only learns how many digits
there are.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from drivers.card_reader.base import CardInserted, CardRemoved, StripeRead, StripeReadFailed
from drivers.card_reader.emv.card_data import CardData
from drivers.pinpad.base import PinBlockReady, PinKeyEvent, PinKeyKind
from kiosk.card.handling import CardHandler
from kiosk.clock import Clock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys import balance_receipt, card_swipe
from kiosk.journeys import statement as statement_steps
from kiosk.journeys.balance_states import PERIODS, READ_ERRORS, TRANSITIONS, Purpose, State
from kiosk.journeys.card_ports import (
    AuthorizeDone,
    AuthResult,
    CardAppsOffered,
    CardCorePort,
    CardPort,
    CardReadDone,
    CardReadFailed,
    CoreRequestFailed,
    PinPort,
    StatementFetched,
)
from kiosk.journeys.ports import PrintFinished, PrintPort
from kiosk.journeys.screen_model import ScreenModel
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig

log = logging.getLogger(__name__)
CUSTOMER_STATES = frozenset({State.CHOOSE_APP, State.ENTER_PIN, State.SHOW_BALANCE})


class TransitionError(RuntimeError):
    """A programming error: the code tried a move the transition table forbids."""


class CardJourney:
    def __init__(
        self,
        *,
        purpose: Purpose,
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
    ) -> None:
        self.purpose = purpose
        self.accepts_swipe = accepts_swipe  # a hybrid reader's stripe head is Online
        self.kiosk_id = kiosk_id
        self.lang = lang
        self.catalog = catalog
        self.clock = clock
        self.timeouts = timeouts
        self.timezone = timezone
        self.ledger = ledger
        self._reader = reader
        self._pin = pinpad
        self._core = core
        self.cards = cards
        self._printer = printer
        self.session_id = str(uuid.uuid4())
        self.state = State.IDLE
        self.request_id = ""
        self.card: CardData | None = None
        self.app_labels: tuple[str, ...] = ()
        self._app_aids: tuple[str, ...] = ()
        self.pin_digits = 0
        self.message_id = ""
        self.message_count: int | None = None
        self.auth: AuthResult | None = None
        self.pages = 0
        self.statement_reference = ""
        self.period: tuple[date, date] | None = None
        self.receipt_offered = False
        self.receipt_job = ""  # the balance receipt's print job while it is pending
        self.receipt_message = ""
        self._deadline: float | None = None

    # -- plumbing --------------------------------------------------------------------------

    def screen(self) -> ScreenModel:
        from kiosk.journeys.balance_screens import build_screen

        return build_screen(self)

    def _go(self, target: State, timeout: float | None = None) -> None:
        if target not in TRANSITIONS[self.state]:
            raise TransitionError(f"{self.state.value} -> {target.value} is not allowed")
        log.info("card journey %s -> %s", self.state.value, target.value)
        self.state = target
        self._deadline = None if timeout is None else self.clock.monotonic() + timeout

    def seconds_left(self) -> float | None:
        if self.state is State.TAKE_CARD:
            return self.cards.seconds_left()
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - self.clock.monotonic())

    def _say(self, message_id: str, count: int | None = None) -> None:
        self.message_id, self.message_count = message_id, count

    def restart_wait(self) -> None:
        """The customer gets the full time again to present a card after a refused swipe."""
        self._deadline = self.clock.monotonic() + self.timeouts.menu

    def _new_request(self) -> str:
        self.request_id = str(uuid.uuid4())
        return self.request_id

    def start(self) -> None:
        if not self._reader.available():
            self._say("card_reader_unavailable")
            self.state = State.DONE
            return
        self.ledger.record(self.session_id, "card_journey_started", {"purpose": self.purpose})
        self._go(State.INSERT_CARD, self.timeouts.menu)

    def _eject(self, reason: str, message_id: str = "") -> None:
        self._pin.abort()
        if message_id:
            self._say(message_id)
        self.cards.eject(self.session_id, reason)
        self._go(State.TAKE_CARD)
        if self._swiped:
            self._on_card_removed()  # the customer has held the swiped card all along

    def _retain(self, reason: str) -> None:
        self._pin.abort()
        self.cards.retain(self.session_id, reason)
        if self._swiped:  # journaled as ordered, not captured: the customer holds the card
            self._say("card_declined")
            self._go(State.TAKE_CARD)
            self._on_card_removed()
            return
        self._say("card_retained_body")
        self._go(State.RETAINED, self.timeouts.result)

    # -- events ----------------------------------------------------------------------------

    def handle(self, event: object) -> None:
        if self.state is State.DONE:
            return  # late answers for a finished session change nothing
        match event:
            case KeyPressed(key=key):
                self._on_key(key)
            case CardInserted() if self.state is State.INSERT_CARD:
                self._go(State.READING)
                self._reader.request_read(self._new_request())
            case CardRemoved():
                self._on_card_removed()
            case StripeRead() | StripeReadFailed() if self.state is State.INSERT_CARD:
                if self.accepts_swipe:
                    card_swipe.on_swipe(self, event)
            case CardAppsOffered(request_id=rid) if rid == self.request_id:
                self._app_aids, self.app_labels = event.aids, event.labels
                self._go(State.CHOOSE_APP, self.timeouts.menu)
            case CardReadDone(request_id=rid) if rid == self.request_id:
                self.accept_card(event.card)
            case CardReadFailed(request_id=rid) if rid == self.request_id:
                self._on_read_failed(event.code)
            case PinKeyEvent() if self.state is State.ENTER_PIN:
                self._on_pin_key(event)
            case PinBlockReady() if self.state is State.ENTER_PIN and self.card is not None:
                self._go(State.AUTHORIZING)
                self._core.request_authorize(
                    self._new_request(),
                    self.card,
                    event.pin_block,
                    event.pin_format.value,
                    self.purpose.value,
                )
            case AuthorizeDone(request_id=rid) if rid == self.request_id:
                self._on_authorized(event.result)
            case CoreRequestFailed(request_id=rid) if rid == self.request_id:
                self._eject("core_failed", "core_unreachable")
            case StatementFetched(request_id=rid) if rid == self.request_id:
                statement_steps.print_statement(self, event, self._printer)
            case PrintFinished(job_id=job) if job and job == self.receipt_job:
                balance_receipt.finished(self, event)
            case PrintFinished(job_id=job) if job == self.request_id:
                self._eject("statement_printed", statement_steps.printed_message(event))

    def _on_key(self, key: Key) -> None:
        if self.state is State.ENTER_PIN:
            self._pin.press(key)  # never logged: the pad tells us only the digit count
            return
        if key is Key.CANCEL and self.state in (State.INSERT_CARD,):
            self._go(State.DONE)
        elif self.state is State.CHOOSE_APP and key.is_digit:
            index = int(key.value) - 1
            if 0 <= index < len(self._app_aids):
                self._go(State.READING)
                self._reader.request_read(self._new_request(), self._app_aids[index])
        elif self.state is State.CHOOSE_APP and key is Key.CANCEL:
            self._eject("cancelled")
        elif self.state is State.SHOW_BALANCE and key is Key.D1 and self.receipt_offered:
            assert self._printer is not None
            balance_receipt.request(self, self._printer)
        elif self.state is State.SHOW_BALANCE and key in (Key.ENTER, Key.CANCEL):
            self._eject("balance_shown")
        elif self.state is State.CHOOSE_PERIOD and key.value in PERIODS:
            statement_steps.fetch(self, self._core, PERIODS[key.value], self._new_request())
        elif self.state is State.CHOOSE_PERIOD and key is Key.CANCEL:
            self._eject("cancelled")
        elif self.state in (State.RECEIPT_DONE, State.SWIPE_DONE) and key in (
            Key.ENTER,
            Key.CANCEL,
        ):
            self._go(State.DONE)

    @property
    def _swiped(self) -> bool:
        return self.card is not None and self.card.source == "stripe"

    def accept_card(self, card: CardData) -> None:
        self.card = card
        self.cards.inserted(self.session_id, card.masked_pan, card.aid, card.source)
        if card.is_technician:
            self._eject("technician_card", "card_error_not_supported")
            return
        self._pin.begin(card.pan)
        self.pin_digits = 0
        self._go(State.ENTER_PIN, self.timeouts.input)

    def _on_read_failed(self, code: str) -> None:
        self.ledger.record(self.session_id, "card_read_failed", {"code": code})
        message = READ_ERRORS.get(code, "card_error_unreadable")
        if code in ("CARD_REMOVED", "CARD_READER_UNAVAILABLE"):
            self._say(message)
            self._go(State.DONE)
            return
        self._eject("read_failed", message)

    def _on_pin_key(self, event: PinKeyEvent) -> None:
        self.pin_digits = event.digits
        if event.kind is PinKeyKind.CANCEL:
            self._eject("cancelled")
            return
        if event.kind is PinKeyKind.DIGIT:
            self._say("card_digit_entered")
        self._deadline = self.clock.monotonic() + self.timeouts.input

    def _on_authorized(self, result: AuthResult) -> None:
        self.auth = result
        self.ledger.record(
            self.session_id,
            "card_authorized",
            {
                "approved": result.approved,
                "reason": result.reason,
                "tries_left": result.tries_left,
                "auth_code": result.auth_code,
                "retain_card": result.retain_card,
            },
        )
        if result.retain_card:
            self._retain("issuer_order")
        elif result.approved and self.purpose is Purpose.BALANCE:
            self._say("")
            self.receipt_offered = balance_receipt.can_offer(self._printer)
            self._go(State.SHOW_BALANCE, self.timeouts.confirm)
        elif result.approved:
            self._say("")
            self._go(State.CHOOSE_PERIOD, self.timeouts.menu)
        elif result.reason == "WRONG_PIN" and result.tries_left:
            assert self.card is not None
            self._say("card_wrong_pin", result.tries_left)
            self.pin_digits = 0
            self._pin.begin(self.card.pan)
            self._go(State.ENTER_PIN, self.timeouts.input)
        else:
            self._eject("declined", "card_declined")

    def _on_card_removed(self) -> None:
        if self.state is State.TAKE_CARD:
            self.cards.taken()
            if self.receipt_job or self.receipt_message:
                balance_receipt.after_card_taken(self)
            elif self._swiped and self.message_id:
                self._go(State.SWIPE_DONE, self.timeouts.result)  # time to read the outcome
            else:
                self._go(State.DONE)
        elif self.state not in (State.IDLE, State.INSERT_CARD, State.DONE, State.RETAINED):
            self._pin.abort()
            self.cards.taken()
            self._say("card_error_removed")
            self._go(State.DONE)

    def tick(self) -> None:
        if self.state is State.TAKE_CARD:
            if self.cards.tick():
                self._say("card_retained_body")
                self._go(State.RETAINED, self.timeouts.result)
            return
        if self._deadline is None or self.clock.monotonic() < self._deadline:
            return
        if self.state in (State.INSERT_CARD, State.RETAINED, State.RECEIPT_DONE, State.SWIPE_DONE):
            self._go(State.DONE)
        elif self.state is State.PRINTING and self.receipt_job:
            balance_receipt.printer_silent(self)
        elif self.state in (
            State.ENTER_PIN,
            State.CHOOSE_APP,
            State.SHOW_BALANCE,
            State.CHOOSE_PERIOD,
        ):
            self._eject("customer_timeout")
