"""Cash bill payment, from the attract screen back to it, as an explicit state machine.

Every event (key, device, network, printer, sync) enters through `handle`; time enters only
through `tick` and the injected clock. Money steps are journaled through the Ledger before the
device is told to act, and any cash inserted is accounted for on every path out: paid, or
credited to the account with a printed credit slip.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from zoneinfo import ZoneInfo

from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited
from kiosk import offline_policy
from kiosk.billing import Bill, Biller
from kiosk.card_handling import CardHandler
from kiosk.clock import Clock
from kiosk.config import TimeoutConfig
from kiosk.events import CustomerTouched, KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys.bill_payment_card import CardPaySteps
from kiosk.journeys.bill_payment_card_ports import PaymentCorePort
from kiosk.journeys.bill_payment_cash import CashSteps
from kiosk.journeys.bill_payment_coins import CoinSteps
from kiosk.journeys.bill_payment_pay import PaymentSteps
from kiosk.journeys.bill_payment_screens import build_screen
from kiosk.journeys.bill_payment_states import (
    CARD_STATES,
    CUSTOMER_STATES,
    MAX_ACCOUNT_DIGITS,
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
from kiosk.journeys.session import CustomerSession
from kiosk.keys import Key
from kiosk.ledger import Ledger
from kiosk.money import Money
from kiosk.screen_model import ScreenModel
from offline_queue.events import TransactionAccepted, TransactionDead

log = logging.getLogger(__name__)


LOOKUP_MESSAGES = {
    "UNKNOWN_ACCOUNT": "unknown_account",
    "CORE_REPLY_INVALID": "core_reply_invalid",
}


class TransitionError(RuntimeError):
    """A programming error: the code tried a move the transition table forbids."""


class BillPaymentJourney(CashSteps, CoinSteps, PaymentSteps, CardPaySteps):
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

    # ----------------------------------------------------------------- keys

    def _on_key(self, key: Key) -> None:
        s = self.state
        if s is State.ATTRACT:
            self._start_session()
            return
        if s in CUSTOMER_STATES:
            self._arm(self._timeout_s)  # any key is activity: restart the countdown
        if key is Key.LANGUAGE and s is not State.LANGUAGE:
            self.session.lang = "en" if self.session.lang == "zh_CN" else "zh_CN"
            return
        if s is not State.NOTICE:
            self.session.message_id = ""  # a notice on the screen lasts until the next key
        handler = {
            State.LANGUAGE: self._key_language,
            State.CHOOSE_BILLER: self._key_biller,
            State.ENTER_ACCOUNT: self._key_account,
            State.FETCHING_BILL: self._key_cancel_only,
            State.BILL_DETAILS: self._key_bill,
            State.INSERT_CASH: self._key_insert,
            State.CONFIRM: self._key_confirm,
            State.THANK_YOU: self._key_result,
            State.CREDITED: self._key_result,
            State.NOTICE: self._key_notice,
            State.PRINTER_WARNING: self._key_printer_warning,
            **dict.fromkeys(CARD_STATES, self._key_card),
        }.get(s)
        if handler is not None:
            handler(key)

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

    def _key_language(self, key: Key) -> None:
        if key is Key.CANCEL:
            self._to_attract()
        elif key in (Key.D1, Key.D2):
            self.session.lang = "zh_CN" if key is Key.D1 else "en"
            if not self._lookup.billers():
                self._notice("billers_unavailable", State.ATTRACT)
                return
            self._go(State.CHOOSE_BILLER, self.timeouts.menu)

    def _key_biller(self, key: Key) -> None:
        if key is Key.CANCEL:
            self._to_attract()
            return
        billers = self.billers()
        if key.is_digit and 1 <= int(key.value) <= len(billers):
            self.session.biller = billers[int(key.value) - 1]
            self.session.account = ""
            self._go(State.ENTER_ACCOUNT, self.timeouts.input)

    def _key_account(self, key: Key) -> None:
        session = self.session
        if key is Key.CANCEL:
            self._go(State.CHOOSE_BILLER, self.timeouts.menu)
        elif key.is_digit and len(session.account) < MAX_ACCOUNT_DIGITS:
            session.account += key.value
        elif key is Key.CLEAR:
            session.account = session.account[:-1]
        elif key is Key.ENTER:
            assert session.biller is not None
            if not session.biller.account_valid(session.account):
                session.message_id = "account_invalid"
                return
            session.lookup_id = str(uuid.uuid4())
            self._lookup.request_bills(session.lookup_id, session.biller.code, session.account)
            self._go(State.FETCHING_BILL, self.timeouts.core_lookup)

    def _key_cancel_only(self, key: Key) -> None:
        if key is Key.CANCEL:
            self._to_attract()

    def _key_bill(self, key: Key) -> None:
        if key is Key.CANCEL:
            self._to_attract()
        elif key is Key.D2 and self.card_wired():
            self._choose_card()
        elif key in (Key.ENTER, Key.D1):
            if not self._cash.available():
                self._notice("cash_unavailable", State.ATTRACT)
                return
            status = self._printer.last_status()
            if self.session.paper_receipt and not status.can_print:
                # Told before any money is taken; the receipt will be on screen as a QR code.
                self.session.paper_receipt = False
                self._journal("printer_unavailable_offered_onscreen", status=status.value)
                self._go(State.PRINTER_WARNING, self.timeouts.input)
                return
            self._open_cash_session()

    def _key_printer_warning(self, key: Key) -> None:
        if key is Key.CANCEL:
            self._to_attract()
        elif key in (Key.ENTER, Key.D1):
            self._open_card_session() if self.paying_by_card else self._open_cash_session()

    def _key_insert(self, key: Key) -> None:
        session = self.session
        if self.escrow_offer is not None and session.escrow == "held":
            if key in (Key.ENTER, Key.D1):
                self._answer_offer(True)
            elif key is Key.CANCEL:
                self._answer_offer(False)  # the note comes back; the customer may try another
            return
        if key is Key.CANCEL:
            self._settle("cancelled")
        elif key is Key.ENTER and session.cash is not None and not session.cash.total.is_zero():
            if session.biller is not None and session.biller.partial_allowed:
                self._cash.disable()  # partial payment: pay what is in, the bill stays open
                self._go(State.CONFIRM, self.timeouts.confirm)
            else:
                session.message_id = "partial_not_allowed"

    def _key_confirm(self, key: Key) -> None:
        if key is Key.ENTER:
            self._commit_payment()
        elif key is Key.CANCEL:
            self._settle("cancelled")

    def _key_result(self, key: Key) -> None:
        if key in (Key.ENTER, Key.CANCEL):
            self._to_attract()

    def _key_notice(self, key: Key) -> None:
        if key in (Key.ENTER, Key.CANCEL):
            self._leave_notice()

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

    # ----------------------------------------------------------------- look-up

    def _on_lookup(self, event: BillsFetched | BillLookupFailed) -> None:
        if self.state is not State.FETCHING_BILL or event.request_id != self.session.lookup_id:
            return  # an answer for a look-up the customer already left
        if isinstance(event, BillLookupFailed):
            message = LOOKUP_MESSAGES.get(event.code, "core_unreachable")
            then = State.ENTER_ACCOUNT if event.code == "UNKNOWN_ACCOUNT" else State.ATTRACT
            self._notice(message, then)
            return
        if not event.bills:
            self._notice("no_open_bill", State.ENTER_ACCOUNT)
            return
        bill = min(event.bills, key=lambda b: b.due_date)
        if event.offline and not self._allow_offline(bill):
            return
        self.session.bill = bill
        self._go(State.BILL_DETAILS, self.timeouts.input)
        if self.offline:
            self.session.message_id = "offline_payment_notice"  # told before any money is taken

    def _allow_offline(self, bill: Bill) -> bool:
        """The core is away and the bill came from the cache: the offline policy decides now,
        before the cash acceptor is enabled."""
        assert self.session.biller is not None
        decision = offline_policy.decide_bill_payment(self.session.biller, bill)
        self._journal(
            "offline_decision",
            bill_id=bill.bill_id,
            allowed=decision.allowed,
            reason=decision.reason,
        )
        if not decision.allowed:
            self._notice(decision.message_id, State.ATTRACT)
            return False
        self._offline_session = self.session.session_id
        return True

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
