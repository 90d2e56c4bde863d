"""Cash bill payment, from the attract screen back to it, as an explicit state machine.

Every event (key, device, network, printer, sync) enters through `handle`; time enters only
through `tick` and the injected clock. Money steps are journaled through the Ledger before the
device is told to act, and any cash inserted is accounted for on every path out: paid, or
credited to the account with a printed credit slip.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited
from kiosk.card.handling import CardHandler
from kiosk.clock import Clock
from kiosk.events import CustomerTouched, Key, KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys.bill_payment_card import CardPaySteps
from kiosk.journeys.bill_payment_card_ports import PaymentCorePort
from kiosk.journeys.bill_payment_cash import CashSteps
from kiosk.journeys.bill_payment_coins import CoinSteps
from kiosk.journeys.bill_payment_keys import KeySteps
from kiosk.journeys.bill_payment_lookup import LookupSteps
from kiosk.journeys.bill_payment_pay import PaymentSteps
from kiosk.journeys.bill_payment_screens import build_screen
from kiosk.journeys.bill_payment_states import (
    CARD_STATES,
    CUSTOMER_STATES,
    MAX_CHOICES,
    TRANSITIONS,
    State,
)
from kiosk.journeys.card_ports import CardPort, PinPort
from kiosk.journeys.ports import (
    BillLookup,
    BillLookupFailed,
    BillsFetched,
    CashPort,
    PrintFinished,
    PrintPort,
    SyncPort,
)
from kiosk.journeys.screen_model import ScreenModel
from kiosk.journeys.session import CustomerSession
from kiosk.money.amount import Money
from kiosk.money.billing import Biller
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig
from offline_queue.events import TransactionAccepted, TransactionDead

log = logging.getLogger(__name__)


class TransitionError(RuntimeError):
    """A programming error: the code tried a move the transition table forbids."""


class BillPaymentJourney(KeySteps, LookupSteps, CashSteps, CoinSteps, PaymentSteps, CardPaySteps):
    def __init__(
        self,
        *,
        kiosk_id: str,
        currency: str,
        default_language: str,
        catalog: Catalog,
        clock: Clock,
        timeouts: TimeoutConfig,
        ledger: Ledger,
        lookup: BillLookup,
        cash: CashPort,
        printer: PrintPort,
        sync: SyncPort,
        timezone: str = "Asia/Shanghai",
        online: Callable[[], bool] | None = None,
        overpay_consent: bool = False,
        card_reader: CardPort | None = None,
        pinpad: PinPort | None = None,
        card_core: PaymentCorePort | None = None,
        card_handler: CardHandler | Callable[[], CardHandler | None] | None = None,
    ) -> None:
        self.kiosk_id = kiosk_id
        self.timezone = ZoneInfo(timezone)
        self.currency = currency
        self.default_language = default_language
        self.catalog = catalog
        self.clock = clock
        self.timeouts = timeouts
        self._ledger = ledger
        self._lookup = lookup
        self._cash = cash
        self._printer = printer
        self._sync = sync
        self._online = online or (lambda: True)
        # False: the insert screen states up front that any excess becomes prepayment (no
        # change is given); True: each overpaying note is also held until the customer agrees.
        self.overpay_consent = overpay_consent
        self.escrow_offer: tuple[Money, Money | None] | None = None  # note, prepayment
        self._offline_session = ""  # the session paying a cached bill offline (offline_policy)
        self.state = State.ATTRACT
        self.session = CustomerSession(default_language, currency)
        self._deadline: float | None = None
        self._timeout_s = 0.0
        self.timeout_factor = 1.0  # set by voice mode (config voice.timeout_factor)
        self._init_card(card_reader, pinpad, card_core, card_handler)  # all None: cash only

    # ----------------------------------------------------------------- queries

    def screen(self) -> ScreenModel:
        return build_screen(self)

    def billers(self) -> tuple[Biller, ...]:
        return self._lookup.billers()[:MAX_CHOICES]

    def note_values(self) -> tuple[Money, ...]:
        return tuple(Money.from_minor(v, self.currency) for v in self._cash.denominations_minor())

    # ----------------------------------------------------------------- plumbing

    def _go(self, target: State, timeout: float | None = None) -> None:
        if target not in TRANSITIONS[self.state]:
            raise TransitionError(f"{self.state.value} -> {target.value} is not allowed")
        log.info("journey %s -> %s", self.state.value, target.value)
        self.state = target
        self._arm(timeout)

    def _arm(self, timeout: float | None) -> None:
        self._timeout_s = timeout or 0.0
        if timeout is not None and self.state in CUSTOMER_STATES:
            timeout *= self.timeout_factor  # voice-mode customers get longer to act
        self._deadline = None if timeout is None else self.clock.monotonic() + timeout

    def seconds_left(self) -> float | None:
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - self.clock.monotonic())

    @property
    def offline(self) -> bool:
        """This customer pays a cached bill while the core is away (decided at look-up)."""
        return bool(self._offline_session) and self._offline_session == self.session.session_id

    def _journal(self, kind: str, **data: object) -> None:
        self._ledger.record(self.session.session_id, kind, data, txn_id=self.session.txn_id or None)

    def _notice(self, message_id: str, then: State) -> None:
        self.session.message_id = message_id
        self.session.notice_next = then
        self._go(State.NOTICE, self.timeouts.result)

    def _to_attract(self) -> None:
        self._go(State.ATTRACT)
        self.session = CustomerSession(self.default_language, self.currency)
        self.escrow_offer = None

    def _leave_notice(self) -> None:
        target = self.session.notice_next
        self.session.message_id = ""
        if target is State.ATTRACT or not isinstance(target, State):
            self._to_attract()
        else:
            self._go(target, self._timeout_for(target))

    def _timeout_for(self, state: State) -> float | None:
        if state is State.ENTER_ACCOUNT:
            return self.timeouts.input
        if state in (State.CHOOSE_BILLER, State.LANGUAGE):
            return self.timeouts.menu
        return None

    # ----------------------------------------------------------------- events

    def handle(self, event: object) -> None:
        if self._on_card_event(event):
            return
        match event:
            case KeyPressed(key=key):
                self._on_key(key)
            case CustomerTouched():
                if self.state is State.ATTRACT:
                    self._start_session()
            case NoteInEscrow():
                self._on_escrow(event)
            case NoteCredited():
                self._on_credit(event)
            case NoteReturned():
                self._on_returned(event)
            case AcceptorStateChanged():
                self._on_acceptor_state(event)
            case CoinCredited():
                self._on_coin(event)
            case BillsFetched() | BillLookupFailed():
                self._on_lookup(event)
            case PrintFinished():
                self._on_printed(event)
            case TransactionAccepted() | TransactionDead():
                self._on_sync(event)
            case _:
                log.debug("journey ignores %r", event)

    def tick(self) -> None:
        self._tick_card()
        if self._deadline is not None and self.clock.monotonic() >= self._deadline:
            self._deadline = None
            self._on_timeout()

    def abandon(self) -> None:
        """The customer has gone (headphones out too long): end as inactivity would, safely.

        Work already under way (printing, syncing) finishes on its own timers first.
        """
        if self.state in CUSTOMER_STATES or self.state is State.NOTICE:
            self._deadline = None
            self._on_timeout()

    # ----------------------------------------------------------------- sessions

    def _start_session(self) -> None:
        self.session = CustomerSession(self.default_language, self.currency)
        self._printer.refresh_status()  # live, in the background: known before any money
        self._go(State.LANGUAGE, self.timeouts.menu)

    @property
    def done(self) -> bool:
        """Back at rest: the services menu may take the next customer."""
        return self.state is State.ATTRACT

    def available(self) -> bool:
        return bool(self._lookup.billers())

    def begin(self, lang: str) -> None:
        """Started from the services menu, language already chosen: straight to the billers."""
        self._start_session()
        self._key_language(Key.D1 if lang == "zh_CN" else Key.D2)

    # ----------------------------------------------------------------- time

    def _on_timeout(self) -> None:
        s = self.state
        if s is State.INSERT_CASH or s is State.CONFIRM:
            self._journal("customer_timeout", state=s.value)
            self._settle("timeout")
        elif s is State.SETTLING_CASH:
            # The acceptor never confirmed the note in transit: close with what is certain and
            # leave the unresolved note to recovery/technician reconciliation against the cashbox.
            self._journal("note_unresolved", reason=self.session.settle_reason)
            self._finish_settle()
        elif s is State.FETCHING_BILL:
            self._notice("core_unreachable", State.ATTRACT)
        elif s in (State.PRINTING_RECEIPT, State.PRINTING_CREDIT_SLIP):
            # No answer from the printer: part of the receipt may be out, so give a reprint code.
            self.session.printed, self.session.receipt_incomplete = False, True
            self._journal(
                "receipt_not_printed",
                status="timeout",
                detail="no answer",
                receipt=self.session.receipt_source,
                incomplete=True,
                reprint_code=self.session.reference,
            )
            self._after_print()
        elif s is State.SYNCING:
            self._go(State.THANK_YOU, self.timeouts.result)
        elif s is State.NOTICE:
            self._leave_notice()
        elif s in CARD_STATES:
            self._card_timeout()
        elif s is not State.ATTRACT:
            self._to_attract()
