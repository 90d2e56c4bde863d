"""Prepaid top-up with cash: a phone number or a utility account; the amount is what is inserted.

    product -> number (KeypadEntry) -> cash (Tender, an open amount) -> booked -> receipt
      (ReceiptStep) -> done

There is no bill, so the escrow policy checks only the limits (the product's maximum, and the
offline limit when the core is unreachable). No change is given and nothing is refunded: every
way out with cash inserted - Enter, Cancel, a timeout, a device fault - books a `topup` for
exactly what was stacked (journal + outbox in one transaction) before the receipt is printed.
Start-up recovery credits an interrupted top-up to the same number (`cash_deposit`), from the
`cash_session_opened` record the tender writes before the acceptor is enabled.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from zoneinfo import ZoneInfo

from drivers.printer.document import Document
from kiosk.clock import Clock
from kiosk.documents import DocContext
from kiosk.documents.receipts import TopUpData, top_up_receipt
from kiosk.events import Key, KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys.cash_tally import CashTally
from kiosk.journeys.parts.base import Cabinet, PartContext
from kiosk.journeys.parts.keypad_entry import Entered, EntryCancelled, KeypadEntry
from kiosk.journeys.parts.receipt_step import ReceiptDone, ReceiptStep
from kiosk.journeys.parts.steps import StepRunner
from kiosk.journeys.parts.tender import Tender, TenderDone, TenderState
from kiosk.journeys.ports import CashPort, PrintPort, SyncPort
from kiosk.journeys.screen_model import ScreenModel
from kiosk.journeys.topup_screens import choose_screen, done_screen, number_spec, tender_spec
from kiosk.money.billing import Biller
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig


@dataclass(frozen=True)
class Product:
    """What can be topped up: the number's pattern and the limits (a Biller carries both)."""

    code: str
    biller: Biller


def mask_number(number: str) -> str:
    """A phone or account number on paper: the first three and last four digits only."""
    if len(number) <= 7:
        return number
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"


class TopupState(str, Enum):
    CHOOSE = "topup_choose"
    ENTER_NUMBER = "topup_enter_number"  # KeypadEntry
    INSERT_CASH = "topup_insert_cash"  # Tender
    SETTLING = "topup_settling"  # the Tender waits for a note in transit
    PRINTING = "topup_printing"  # ReceiptStep
    DONE = "topup_done"
    CLOSED = "topup_closed"


T = TopupState
TRANSITIONS: dict[TopupState, frozenset[TopupState]] = {
    T.CHOOSE: frozenset({T.ENTER_NUMBER, T.CLOSED}),
    T.ENTER_NUMBER: frozenset({T.CHOOSE, T.INSERT_CASH, T.CLOSED}),
    T.INSERT_CASH: frozenset({T.PRINTING, T.CLOSED}),
    T.PRINTING: frozenset({T.DONE}),
    T.DONE: frozenset({T.CLOSED}),
    T.CLOSED: frozenset({T.CHOOSE}),
}


@dataclass
class TopupSession:
    lang: str
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    product: Product | None = None
    number: str = ""
    txn_id: str = ""
    cash: CashTally | None = None
    reason: str = ""
    reference: str = ""
    printed: bool | None = None
    receipt: ReceiptDone | None = None


class TopupJourney:
    def __init__(
        self,
        *,
        kiosk_id: str,
        currency: str,
        catalog: Catalog,
        clock: Clock,
        timeouts: TimeoutConfig,
        ledger: Ledger,
        products: tuple[Product, ...],
        cash: CashPort,
        printer: PrintPort,
        sync: SyncPort,
        online: Callable[[], bool] | None = None,
        lang: str = "zh_CN",
        timezone: str = "Asia/Shanghai",
        cabinet: Cabinet | None = None,
    ) -> None:
        self.kiosk_id, self.currency, self.catalog, self.clock = kiosk_id, currency, catalog, clock
        self.timeouts, self.products = timeouts, products[:6]
        self._ledger, self._cash, self._printer, self._sync = ledger, cash, printer, sync
        self._online = online or (lambda: True)
        self.timezone = timezone
        self.timeout_factor = 1.0
        self.session = TopupSession(lang)
        self.steps = StepRunner(
            name="top-up",
            clock=clock,
            initial=T.CLOSED,
            transitions=TRANSITIONS,
            customer_steps=frozenset({T.CHOOSE, T.DONE}),
            factor=lambda: self.timeout_factor,
        )
        self.ctx = PartContext(
            catalog,
            clock,
            timeouts,
            self._journal,
            lambda: self.session.lang,
            self._factor,
            cabinet or Cabinet(),
        )

    def _factor(self) -> float:
        return self.timeout_factor

    @property
    def state(self) -> TopupState:
        part = self.steps.part
        if isinstance(part, Tender) and part.state is TenderState.SETTLING:
            return T.SETTLING
        return self.steps.step

    def _journal(self, kind: str, **data: object) -> None:
        s = self.session
        self._ledger.record(s.session_id, kind, data, txn_id=s.txn_id or None)

    # -- events ----------------------------------------------------------------------------

    def start(self) -> None:
        self.session = TopupSession(self.session.lang)
        self.steps.go(T.CHOOSE, self.timeouts.menu)

    def handle(self, event: object) -> None:
        part = self.steps.part
        if isinstance(event, KeyPressed) and event.key is Key.LANGUAGE:
            self.session.lang = "en" if self.session.lang == "zh_CN" else "zh_CN"
        elif part is not None:
            part.handle(event)
        elif isinstance(event, KeyPressed):
            self.steps.rearm()
            self._on_key(event.key)

    def tick(self) -> None:
        self.steps.tick(self._on_timeout)

    def abandon(self) -> None:
        """The customer left: inserted cash is topped up as their own Cancel would; else close."""
        if isinstance(self.steps.part, Tender):
            self.steps.part.handle(KeyPressed(Key.CANCEL))
        elif self.steps.step in (T.CHOOSE, T.ENTER_NUMBER, T.DONE):
            self.steps.go(T.CLOSED)

    def _on_timeout(self) -> None:
        if self.steps.step in (T.CHOOSE, T.DONE):
            self.steps.go(T.CLOSED)

    def _on_key(self, key: Key) -> None:
        step = self.steps.step
        if step is T.CHOOSE and key is Key.CANCEL:
            self.steps.go(T.CLOSED)
        elif step is T.CHOOSE and key.is_digit and 1 <= int(key.value) <= len(self.products):
            self.session.product = self.products[int(key.value) - 1]
            self._enter_number()
        elif step is T.DONE and key in (Key.ENTER, Key.CANCEL):
            self.steps.go(T.CLOSED)

    # -- the steps, in order -------------------------------------------------------------------

    def _enter_number(self) -> None:
        product = self.session.product
        assert product is not None

        def valid(number: str) -> bool:
            return re.fullmatch(product.biller.account_pattern, number) is not None

        entry = KeypadEntry(self.ctx, number_spec(valid), self._number_entered)
        self.steps.go(T.ENTER_NUMBER, part=entry)

    def _number_entered(self, outcome: object) -> None:
        s = self.session
        if isinstance(outcome, EntryCancelled):
            self.steps.go(T.CHOOSE, self.timeouts.menu)
            return
        if not isinstance(outcome, Entered):
            self.steps.go(T.CLOSED)  # the customer left at the number
            return
        assert s.product is not None
        s.number, s.txn_id = outcome.value, str(uuid.uuid4())
        spec = tender_spec(s.product.biller, self._online, lambda: (self._number_line(),))
        tender = Tender(
            self.ctx, spec, cash=self._cash, currency=self.currency, on_done=self._cash_done
        )
        s.cash = tender.tally
        self.steps.go(T.INSERT_CASH, part=tender)
        tender.start(
            journey="topup", biller=s.product.code, account=s.number, currency=self.currency
        )

    def _number_line(self) -> str:
        return f"{self.ctx.text('topup_number_label')}: {self.session.number}"

    def _cash_done(self, outcome: object) -> None:
        """Books the top-up for exactly what was stacked; nothing inserted: just close."""
        assert isinstance(outcome, TenderDone)
        s = self.session
        assert s.product is not None
        s.reason = outcome.reason
        if outcome.total.is_zero():
            self.steps.go(T.CLOSED)
            return
        seq = self._ledger.commit_money(
            s.session_id,
            "payment_committed",
            {"journey": "topup", "reason": s.reason},
            txn_id=s.txn_id,
            txn_type="topup",
            amount=outcome.total,
            tender=outcome.tally.tender(),
            details={"product": s.product.code, "account": s.number},
        )
        s.reference = f"{self.kiosk_id}-{seq:06d}"
        self._sync.wake()
        step = ReceiptStep(
            self.ctx,
            printer=self._printer,
            document=self._receipt(),
            screen_id=T.PRINTING.value,
            on_done=self._printed,
        )
        self.steps.go(T.PRINTING, part=step)
        step.start()

    def _receipt(self) -> Document:
        """The shared top-up receipt (kiosk/documents), so a reprint rebuilds the same."""
        s = self.session
        assert s.cash is not None and s.product is not None
        local = self.clock.now().astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M:%S")
        ctx = DocContext(self.catalog, s.lang, self.kiosk_id, local)
        data = TopUpData(
            reference=s.reference,
            txn_id=s.txn_id,
            operator=s.product.biller.name(s.lang),
            phone=mask_number(s.number),
            amount=s.cash.total.display(),
        )
        return top_up_receipt(ctx, data)

    def _printed(self, outcome: object) -> None:
        assert isinstance(outcome, ReceiptDone)
        self.session.receipt, self.session.printed = outcome, outcome.printed
        self.steps.go(T.DONE, self.timeouts.result)

    # -- screens ---------------------------------------------------------------------------

    def screen(self) -> ScreenModel:
        """The step's screen, with the language switch every customer screen offers."""
        model = self._screen()
        if model.busy:
            return model
        return replace(model, language_label=self.ctx.text("switch_language"))

    def _screen(self) -> ScreenModel:
        part, lang = self.steps.part, self.session.lang
        if part is not None:
            return part.screen()
        if self.steps.step is T.CHOOSE:
            labels = tuple(p.biller.name(lang) for p in self.products)
            return choose_screen(self.ctx, labels, self.steps.seconds_left())
        s = self.session
        total = s.cash.total.display() if s.cash is not None else ""
        return done_screen(self.ctx, s.receipt, s.reference, total)
