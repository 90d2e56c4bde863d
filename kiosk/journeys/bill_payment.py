"""Paying a utility bill, from the attract screen back to it, as a list of steps and outcomes.

    language -> [scan the bill (BillScanStep, bill_payment_scan.py) when a scanner is online:
                 scanned -> bill looked up; key instead / scanner gone -> biller]
      -> biller -> account (KeypadEntry) -> bill looked up (BillLookupStep) -> bill shown
      -> [printer warning: no paper receipt possible, said before any money]
      -> cash (Tender):  paid -> receipt (ReceiptStep) -> sync wait -> thank you
                         left early with cash in -> credited + credit slip -> credited
      -> card (CardSession, bill_payment_card.py): approved -> booked -> card back -> receipt
                         not approved -> back to the bill, told why

Events enter through `handle`, time only through `tick` and the injected clock. Money is booked
(journal + outbox in one transaction, bill_payment_books.py) before the next device action, and
inserted cash is accounted for on every path out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited
from drivers.printer.document import Document
from kiosk.card.handling import CardHandler
from kiosk.events import CustomerTouched, Key, KeyPressed
from kiosk.journeys import bill_payment_books as books
from kiosk.journeys.bill_payment_card import BillCardPay, CardPay, CardWiring
from kiosk.journeys.bill_payment_card_ports import PaymentCorePort
from kiosk.journeys.bill_payment_cash import BillCashPay
from kiosk.journeys.bill_payment_lookup import BillFound, BillLookupStep, LookupRefused
from kiosk.journeys.bill_payment_scan import BillScanned, BillScanStep, KeyInstead, ScannerOffer
from kiosk.journeys.bill_payment_screens import build_screen
from kiosk.journeys.bill_payment_setup import JourneySetup, account_spec
from kiosk.journeys.bill_payment_states import (
    CUSTOMER_STEPS,
    MAX_CHOICES,
    TENDER_STATE_VIEW,
    TRANSITIONS,
    State,
    Step,
)
from kiosk.journeys.card_ports import CardPort, PinPort
from kiosk.journeys.parts.base import Part, PartContext
from kiosk.journeys.parts.keypad_entry import Entered, EntryCancelled, KeypadEntry
from kiosk.journeys.parts.receipt_step import ReceiptDone, ReceiptStep
from kiosk.journeys.parts.steps import StepRunner
from kiosk.journeys.parts.tender import Tender
from kiosk.journeys.screen_model import ScreenModel
from kiosk.journeys.session import CustomerSession
from kiosk.money.amount import Money
from kiosk.money.billing import Biller
from offline_queue.events import TransactionAccepted, TransactionDead

log = logging.getLogger(__name__)
CASH_EVENTS = (NoteInEscrow, NoteCredited, NoteReturned, AcceptorStateChanged, CoinCredited)
MENU_STEPS = (Step.LANGUAGE, Step.CHOOSE_BILLER)


class BillPaymentJourney:
    takes_cash = True

    def __init__(
        self,
        *,
        card_reader: CardPort | None = None,
        pinpad: PinPort | None = None,
        card_core: PaymentCorePort | None = None,
        card_handler: CardHandler | Callable[[], CardHandler | None] | None = None,
        scanner: ScannerOffer | None = None,
        **setup: Any,
    ) -> None:
        """`setup`: the ports and settings of JourneySetup; the card ports all or none;
        `scanner`: a bill barcode scanner ("scan your bill" first while it is online)."""
        self.setup = s = JourneySetup(**setup)
        self.kiosk_id, self.currency, self.catalog = s.kiosk_id, s.currency, s.catalog
        self.clock, self.timeouts, self.default_language = s.clock, s.timeouts, s.default_language
        self.overpay_consent = s.overpay_consent
        self.timeout_factor = 1.0  # set by voice mode (config voice.timeout_factor)
        self.session = CustomerSession(s.default_language, s.currency)
        self.steps = StepRunner(
            name="bill payment",
            clock=s.clock,
            initial=Step.ATTRACT,
            transitions=TRANSITIONS,
            customer_steps=CUSTOMER_STEPS,
            factor=lambda: self.timeout_factor,
        )
        self.ctx = PartContext(
            s.catalog,
            s.clock,
            s.timeouts,
            self._journal,
            lambda: self.session.lang,
            lambda: self.timeout_factor,
            s.cabinet,
        )
        self._offline_session = ""  # the session paying a cached bill offline (offline_policy)
        self.cash = BillCashPay(self)
        self.card: BillCardPay | None = None
        self.scanner = scanner
        self._scanned_bill = ""  # the bill id this customer scanned, until they key an account
        if card_reader is not None and pinpad is not None and card_core is not None:
            self.card = BillCardPay(self, CardWiring(card_reader, pinpad, card_core, card_handler))

    # -- where the customer is ---------------------------------------------------------------

    @property
    def step(self) -> Step:
        return self.steps.step

    @property
    def part(self) -> Part | None:
        return self.steps.part

    @property
    def state(self) -> State:
        """The screen the customer is on, a part's included."""
        part = self.part
        if isinstance(part, Tender):
            return TENDER_STATE_VIEW[part.state.value]
        if isinstance(part, ReceiptStep):
            return State(part.screen_id)
        if self.step is Step.CARD and self.card is not None:
            return self.card.state
        return State.ENTER_ACCOUNT if self.step is Step.ACCOUNT else State(self.step.value)

    @property
    def tender(self) -> Tender | None:
        return self.part if isinstance(self.part, Tender) else None

    def screen(self) -> ScreenModel:
        return build_screen(self)

    def billers(self) -> tuple[Biller, ...]:
        return self.setup.lookup.billers()[:MAX_CHOICES]

    def available(self) -> bool:
        return bool(self.setup.lookup.billers())

    @property
    def done(self) -> bool:
        return self.step is Step.ATTRACT

    @property
    def offline(self) -> bool:
        """This customer pays a cached bill while the core is away (decided at look-up)."""
        return bool(self._offline_session) and self._offline_session == self.session.session_id

    @property
    def card_pay(self) -> CardPay | None:
        return self.card.pay if self.card is not None else None

    def paid_total(self) -> Money:
        """What this customer paid: the card amount, or the cash inserted."""
        pay = self.card_pay
        if pay is not None and pay.approved and pay.session_id == self.session.session_id:
            return pay.amount
        assert self.session.cash is not None
        return self.session.cash.total

    def seconds_left(self) -> float | None:
        return self.steps.seconds_left()

    # -- plumbing ------------------------------------------------------------------------------

    def go(self, target: Step, timeout: float | None = None, part: Part | None = None) -> None:
        self.steps.go(target, timeout, part)

    def _journal(self, kind: str, **data: object) -> None:
        s = self.session
        self.setup.ledger.record(s.session_id, kind, data, txn_id=s.txn_id or None)

    def notice(self, message_id: str, then: Step) -> None:
        self.session.message_id, self.session.notice_next = message_id, then
        self.go(Step.NOTICE, self.timeouts.result)

    def to_attract(self) -> None:
        self.go(Step.ATTRACT)
        self.session = CustomerSession(self.default_language, self.currency)

    def handle(self, event: object) -> None:
        if self.card is not None and self.card.handle(event):
            return
        if isinstance(event, KeyPressed):
            self._on_key(event.key)
        elif isinstance(event, CustomerTouched) and self.step is Step.ATTRACT:
            self._start_session()
        elif isinstance(event, CASH_EVENTS):
            tender = self.tender
            if tender is None or not tender.handle(event):  # money outside a tender: flagged
                books.book_stray_cash(self.setup, self.session, self.state.value, event)
        elif isinstance(event, TransactionAccepted | TransactionDead):
            self._on_sync(event)
        elif self.part is not None:
            self.part.handle(event)  # the look-up's answer, the printer's outcome

    def tick(self) -> None:
        self.steps.tick(self._on_timeout)

    def abandon(self) -> None:
        """The customer has gone (headphones out too long): end as inactivity would, safely."""
        if self.part is not None and self.part.waiting_for_customer:
            self.part.on_timeout()
        elif self.part is None and (self.step in CUSTOMER_STEPS or self.step is Step.NOTICE):
            self._on_timeout()

    def _on_key(self, key: Key) -> None:
        if self.step is Step.ATTRACT:
            self._start_session()
        elif key is Key.LANGUAGE and self.step is not Step.LANGUAGE:
            self.session.lang = "en" if self.session.lang == "zh_CN" else "zh_CN"
        elif self.part is not None:
            self.part.handle(KeyPressed(key))
        else:
            self.steps.rearm()
            if self.step is not Step.NOTICE:
                self.session.message_id = ""  # a message lasts until the next key
            self._KEYS.get(self.step, BillPaymentJourney._ignore)(self, key)

    def _on_timeout(self) -> None:
        if self.step is Step.SYNCING:
            self.go(Step.THANK_YOU, self.timeouts.result)
        elif self.step is Step.NOTICE:
            self._key_notice(Key.ENTER)
        elif self.step is not Step.ATTRACT:
            self.to_attract()

    # -- the steps, in order -------------------------------------------------------------------

    def _start_session(self) -> None:
        self.session = CustomerSession(self.default_language, self.currency)
        self._scanned_bill = ""
        self.setup.printer.refresh_status()  # live, in the background: known before any money
        self.go(Step.LANGUAGE, self.timeouts.menu)

    def begin(self, lang: str) -> None:
        """Started from the services menu, language already chosen: straight to the billers."""
        self._start_session()
        self._key_language(Key.D1 if lang == "zh_CN" else Key.D2)

    def _key_language(self, key: Key) -> None:
        if key is Key.CANCEL:
            self.to_attract()
        elif key in (Key.D1, Key.D2):
            self.session.lang = "zh_CN" if key is Key.D1 else "en"
            if not self.setup.lookup.billers():
                self.notice("billers_unavailable", Step.ATTRACT)
            elif self.scanner is not None and self.scanner.online():
                self._scan_bill()
            else:
                self.go(Step.CHOOSE_BILLER, self.timeouts.menu)

    def _scan_bill(self) -> None:
        assert self.scanner is not None
        step = BillScanStep(
            self.ctx, scanner=self.scanner, billers=self.setup.lookup.billers, on_done=self._scanned
        )
        self.go(Step.SCAN_BILL, part=step)

    def _scanned(self, outcome: object) -> None:
        if isinstance(outcome, BillScanned):
            self.session.biller, self.session.account = outcome.biller, outcome.code.account
            self._scanned_bill = outcome.code.bill_id
            self._look_up()
        elif isinstance(outcome, KeyInstead):
            self.go(Step.CHOOSE_BILLER, self.timeouts.menu)
            if outcome.scanner_gone:
                self.session.message_id = "bill_scan_unavailable"
        else:
            self.to_attract()

    def _key_biller(self, key: Key) -> None:
        billers = self.billers()
        if key is Key.CANCEL:
            self.to_attract()
        elif key.is_digit and 1 <= int(key.value) <= len(billers):
            self.session.biller, self.session.account = billers[int(key.value) - 1], ""
            self._enter_account()

    def _enter_account(self) -> None:
        s = self.session
        assert s.biller is not None
        entry = KeypadEntry(
            self.ctx, account_spec(s.biller, lambda: s.lang), self._account_done, value=s.account
        )
        self.go(Step.ACCOUNT, part=entry)

    def _account_done(self, outcome: object) -> None:
        s = self.session
        if isinstance(outcome, Entered):
            s.account, self._scanned_bill = outcome.value, ""
            self._look_up()
        elif isinstance(outcome, EntryCancelled):
            self.go(Step.CHOOSE_BILLER, self.timeouts.menu)
        else:
            self.to_attract()

    def _look_up(self) -> None:
        s = self.session
        assert s.biller is not None
        step = BillLookupStep(
            self.ctx,
            lookup=self.setup.lookup,
            biller=s.biller,
            account=s.account,
            on_done=self._looked_up,
        )
        self.go(Step.FETCHING_BILL, part=step)
        step.start()

    def _looked_up(self, outcome: object) -> None:
        if isinstance(outcome, BillFound):
            self.session.bill = outcome.bill
            if outcome.offline:
                self._offline_session = self.session.session_id
            self.go(Step.BILL_DETAILS, self.timeouts.input)
            if self.offline:
                self.session.message_id = "offline_payment_notice"  # told before any money
            elif self._scanned_bill and outcome.bill.bill_id != self._scanned_bill:
                self.session.message_id = "bill_scan_other_bill"  # the one due first is shown
        elif isinstance(outcome, LookupRefused):
            self.notice(outcome.message_id, Step.ACCOUNT if outcome.retry_account else Step.ATTRACT)
        else:
            self.to_attract()

    def back_to_bill(self, message_id: str) -> None:
        """Nothing was charged: the customer may pay with cash or try another card."""
        self.session.txn_id = ""
        self.go(Step.BILL_DETAILS, self.timeouts.input)
        self.session.message_id = message_id

    def _key_bill(self, key: Key) -> None:
        if key is Key.CANCEL:
            self.to_attract()
        elif key is Key.D2 and self.card is not None:
            self.card.choose()
        elif key in (Key.ENTER, Key.D1) and not self.setup.cash.available():
            self.notice("cash_unavailable", Step.ATTRACT)
        elif key in (Key.ENTER, Key.D1) and not self.printer_warned():
            self.cash.open()

    def printer_warned(self) -> bool:
        """No paper receipt possible: said (and journaled) before any money is taken."""
        status = self.setup.printer.last_status()
        if not self.session.paper_receipt or status.can_print:
            return False
        self.session.paper_receipt = False
        self._journal("printer_unavailable_offered_onscreen", status=status.value)
        self.go(Step.PRINTER_WARNING, self.timeouts.input)
        return True

    def _key_printer_warning(self, key: Key) -> None:
        if key is Key.CANCEL:
            self.to_attract()
        elif key in (Key.ENTER, Key.D1) and self.card is not None and self.card.chosen:
            self.card.open()
        elif key in (Key.ENTER, Key.D1):
            self.cash.open()

    def booked(self, seq: int) -> None:
        self.session.reference = f"{self.kiosk_id}-{seq:06d}"
        self.setup.sync.wake()

    def print_receipt(self, document: Document, screen_id: str) -> None:
        step = ReceiptStep(
            self.ctx,
            printer=self.setup.printer,
            document=document,
            screen_id=screen_id,
            on_done=self._printed,
            paper=self.session.paper_receipt,
        )
        self.go(Step.RECEIPT, part=step)
        step.start()

    def _printed(self, outcome: object) -> None:
        assert isinstance(outcome, ReceiptDone) and isinstance(self.part, ReceiptStep)
        self.session.receipt, self.session.printed = outcome, outcome.printed
        if self.part.screen_id == "printing_credit_slip":
            self.go(Step.CREDITED, self.timeouts.result)
        elif self.session.synced:
            self.go(Step.THANK_YOU, self.timeouts.result)
        else:
            self.go(Step.SYNCING, self.timeouts.sync_wait)

    def _on_sync(self, event: TransactionAccepted | TransactionDead) -> None:
        s = self.session
        if not s.txn_id or event.txn_id != s.txn_id:
            return
        if isinstance(event, TransactionAccepted):
            s.synced, s.core_ref = True, event.core_ref
        else:
            s.sync_failed = True
            self._journal("core_rejected", code=event.code)
        if self.step is Step.SYNCING:
            self.go(Step.THANK_YOU, self.timeouts.result)

    def _key_result(self, key: Key) -> None:
        if key in (Key.ENTER, Key.CANCEL):
            self.to_attract()

    def _key_notice(self, key: Key) -> None:
        if key not in (Key.ENTER, Key.CANCEL):
            return
        target, self.session.message_id = self.session.notice_next, ""
        if target is Step.ACCOUNT:
            self._enter_account()
        elif isinstance(target, Step) and target is not Step.ATTRACT:
            self.go(target, self.timeouts.menu if target in MENU_STEPS else None)
        else:
            self.to_attract()

    def _ignore(self, key: Key) -> None:
        """A key that means nothing here (it was still activity: the countdown restarted)."""

    _KEYS: dict[Step, Callable[[BillPaymentJourney, Key], None]] = {
        Step.LANGUAGE: _key_language,
        Step.CHOOSE_BILLER: _key_biller,
        Step.BILL_DETAILS: _key_bill,
        Step.PRINTER_WARNING: _key_printer_warning,
        Step.THANK_YOU: _key_result,
        Step.CREDITED: _key_result,
        Step.NOTICE: _key_notice,
    }
