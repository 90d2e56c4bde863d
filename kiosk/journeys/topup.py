"""Prepaid top-up with cash: a phone number or a utility account, the amount is what is inserted.

An explicit state machine like the bill payment: events in through `handle`, time through `tick`
and the injected clock. There is no bill, so the escrow policy checks only the limits (the
product's maximum, and the offline limit when the core is unreachable). No change is given and
there is nothing to refund: every path out with cash inserted — Enter, Cancel, a timeout, a
device fault — commits a `topup` for exactly what was stacked (journal + outbox in one
transaction) and prints the receipt. Start-up recovery credits an interrupted top-up to the same
number (`cash_deposit`), using the `cash_session_opened` record written before the acceptor is
enabled.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from drivers.base import DeviceState
from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited
from drivers.printer.document import Align, Columns, Cut, Document, Separator, Text
from kiosk.clock import Clock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys.cash_tally import CashTally
from kiosk.journeys.ports import CashPort, PrintFinished, PrintPort, SyncPort
from kiosk.journeys.screen_model import AmountLine, Choice, ScreenModel
from kiosk.money.amount import Money
from kiosk.money.billing import Biller
from kiosk.money.cash import escrow_policy
from kiosk.money.cash.coin_service import book_coin, book_unassigned_coin
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Product:
    """What can be topped up: the number's pattern and the limits (a Biller carries both)."""

    code: str
    biller: Biller


class TopupState(str, Enum):
    CHOOSE = "topup_choose"
    ENTER_NUMBER = "topup_enter_number"
    INSERT_CASH = "topup_insert_cash"
    SETTLING = "topup_settling"
    PRINTING = "topup_printing"
    DONE = "topup_done"
    CLOSED = "topup_closed"


T = TopupState
TRANSITIONS: dict[TopupState, frozenset[TopupState]] = {
    T.CHOOSE: frozenset({T.ENTER_NUMBER, T.CLOSED}),
    T.ENTER_NUMBER: frozenset({T.CHOOSE, T.INSERT_CASH, T.CLOSED}),
    T.INSERT_CASH: frozenset({T.SETTLING, T.PRINTING, T.CLOSED}),
    T.SETTLING: frozenset({T.PRINTING, T.CLOSED}),
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
    escrow: str = ""  # "" | "accepted" (stacking)
    reason: str = ""
    reference: str = ""
    print_job: str = ""
    printed: bool | None = None
    message_id: str = ""


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
    ) -> None:
        self.kiosk_id, self.currency, self.catalog, self.clock = kiosk_id, currency, catalog, clock
        self.timeouts, self.products = timeouts, products[:6]
        self._ledger, self._cash, self._printer, self._sync = ledger, cash, printer, sync
        self._online = online or (lambda: True)
        self.state = T.CLOSED
        self.session = TopupSession(lang)
        self._deadline: float | None = None

    # --- plumbing ---

    def start(self) -> None:
        self.session = TopupSession(self.session.lang)
        self._go(T.CHOOSE, self.timeouts.menu)

    def _go(self, target: TopupState, timeout: float | None = None) -> None:
        if target not in TRANSITIONS[self.state]:
            raise RuntimeError(f"{self.state.value} -> {target.value} is not allowed")
        self.state = target
        self._deadline = None if timeout is None else self.clock.monotonic() + timeout

    def _journal(self, kind: str, **data: object) -> None:
        s = self.session
        self._ledger.record(s.session_id, kind, data, txn_id=s.txn_id or None)

    def tick(self) -> None:
        if self._deadline is not None and self.clock.monotonic() >= self._deadline:
            self._deadline = None
            self._on_timeout()

    def handle(self, event: object) -> None:
        match event:
            case KeyPressed(key=key):
                self._on_key(key)
            case NoteInEscrow():
                self._on_escrow(event)
            case NoteCredited():
                self._on_credit(event)
            case CoinCredited():
                self._on_coin(event)
            case NoteReturned():
                if self.session.escrow:
                    self.session.escrow = ""
                if self.state is T.SETTLING:
                    self._finish()
            case AcceptorStateChanged(state=state) if state is not DeviceState.ONLINE:
                if self.state is T.INSERT_CASH:
                    self._journal("acceptor_fault", state=state.value)
                    self._settle("device_fault")
            case PrintFinished():
                self._on_printed(event)
            case _:
                pass

    # --- keys ---

    def _on_key(self, key: Key) -> None:
        s, session = self.state, self.session
        if s is T.CHOOSE:
            if key is Key.CANCEL:
                self._go(T.CLOSED)
            elif key.is_digit and 1 <= int(key.value) <= len(self.products):
                session.product = self.products[int(key.value) - 1]
                self._go(T.ENTER_NUMBER, self.timeouts.input)
        elif s is T.ENTER_NUMBER:
            if key is Key.CANCEL:
                self._go(T.CHOOSE, self.timeouts.menu)
            elif key.is_digit and len(session.number) < 20:
                session.number += key.value
            elif key is Key.CLEAR:
                session.number = session.number[:-1]
            elif key is Key.ENTER:
                self._number_entered()
        elif s is T.INSERT_CASH:
            if key is Key.ENTER and session.cash is not None and not session.cash.total.is_zero():
                self._settle("customer_confirmed")
            elif key is Key.CANCEL:
                self._settle("cancelled")
        elif s is T.DONE and key in (Key.ENTER, Key.CANCEL):
            self._go(T.CLOSED)

    def _number_entered(self) -> None:
        session = self.session
        assert session.product is not None
        if not re.fullmatch(session.product.biller.account_pattern, session.number):
            session.message_id = "topup_number_invalid"
            return
        session.message_id = ""
        session.txn_id = str(uuid.uuid4())
        session.cash = CashTally(self.currency)
        self._journal(
            "cash_session_opened",
            journey="topup",
            biller=session.product.code,
            account=session.number,
            currency=self.currency,
        )
        self._go(T.INSERT_CASH, self.timeouts.insert_cash)
        self._cash.enable()

    # --- cash ---

    def _on_escrow(self, event: NoteInEscrow) -> None:
        session = self.session
        note = Money.from_minor(event.value_minor, event.currency)
        if self.state is not T.INSERT_CASH or session.cash is None or session.product is None:
            decision = escrow_policy.EscrowDecision(False, "not_accepting")
        else:
            decision = escrow_policy.decide(
                note, session.cash.total, session.product.biller, due=None, online=self._online()
            )
        if not decision.accept:
            self._journal("note_escrow_rejected", **decision.journal(note))
            self._cash.reject_escrow()
            return
        self._journal("note_escrow_accepted", **decision.journal(note))
        session.escrow = "accepted"
        self._cash.accept_escrow()

    def _on_credit(self, event: NoteCredited) -> None:
        session = self.session
        if session.cash is None or self.state not in (T.INSERT_CASH, T.SETTLING):
            log.error("note stacked outside a top-up session: left to the bill journey/recovery")
            return
        session.escrow = ""
        session.cash.add(event.value_minor)
        value = Money.from_minor(event.value_minor, event.currency)
        self._journal("note_stacked", value=value.wire(), total=session.cash.total.wire())
        if self.state is T.SETTLING:
            self._finish()
        else:
            self._deadline = self.clock.monotonic() + self.timeouts.insert_cash

    def _on_coin(self, event: CoinCredited) -> None:
        """A coin is already in the box: booked first; outside a session, a flagged deposit."""
        session = self.session
        if session.cash is None or self.state not in (T.INSERT_CASH, T.SETTLING):
            book_unassigned_coin(self._ledger, session.session_id, self.state.value, event)
            self._sync.wake()
            return
        book_coin(self._ledger, session.session_id, session.txn_id, session.cash, event)
        if self.state is T.INSERT_CASH:
            self._deadline = self.clock.monotonic() + self.timeouts.insert_cash

    def _settle(self, reason: str) -> None:
        self.session.reason = reason
        self._cash.disable()
        if self.session.escrow == "accepted":
            self._go(T.SETTLING, self.timeouts.settle_note)  # wait for the note in transit
            return
        self._finish()

    def _finish(self) -> None:
        """Commits the top-up for exactly what was stacked; nothing inserted: just close."""
        session = self.session
        assert session.cash is not None and session.product is not None
        if session.cash.total.is_zero():
            self._journal("cash_session_closed", reason=session.reason, total="0")
            self._go(T.CLOSED)
            return
        seq = self._ledger.commit_money(
            session.session_id,
            "payment_committed",
            {"journey": "topup", "reason": session.reason},
            txn_id=session.txn_id,
            txn_type="topup",
            amount=session.cash.total,
            tender=session.cash.tender(),
            details={"product": session.product.code, "account": session.number},
        )
        session.reference = f"{self.kiosk_id}-{seq:06d}"
        self._sync.wake()
        session.print_job = str(uuid.uuid4())
        self._go(T.PRINTING, self.timeouts.print_job)
        self._printer.submit(session.print_job, self._receipt())

    def _receipt(self) -> Document:
        s = self.session
        assert s.cash is not None and s.product is not None
        t = self.catalog.text
        return Document(
            "topup",
            s.reference,
            (
                Text(t(s.lang, "topup_title"), Align.CENTER, bold=True),
                Separator(),
                Columns(s.product.biller.name(s.lang), s.number),
                Columns(t(s.lang, "topup_amount"), s.cash.total.display(), bold=True),
                Columns("Ref", s.reference),
                Cut(),
            ),
            source={"reference": s.reference, "amount": s.cash.total.wire()},
        )

    def _on_printed(self, event: PrintFinished) -> None:
        if event.job_id != self.session.print_job or self.state is not T.PRINTING:
            return
        self.session.printed = event.result.printed
        kind = "receipt_printed" if event.result.printed else "receipt_not_printed"
        self._journal(kind, status=event.result.status.value)
        self._go(T.DONE, self.timeouts.result)

    def _on_timeout(self) -> None:
        s = self.state
        if s is T.INSERT_CASH:
            self._journal("customer_timeout", state=s.value)
            self._settle("timeout")
        elif s is T.SETTLING:
            self._journal("note_unresolved", reason=self.session.reason)
            self.session.escrow = ""
            self._finish()  # recovery places the note in transit against the device counter
        elif s is T.PRINTING:
            self.session.printed = False
            self._journal("receipt_not_printed", status="timeout")
            self._go(T.DONE, self.timeouts.result)
        elif s in (T.CHOOSE, T.ENTER_NUMBER, T.DONE):
            self._go(T.CLOSED)

    # --- screen ---

    def screen(self) -> ScreenModel:
        s, lang, t = self.session, self.session.lang, self.catalog.text
        title = t(lang, "topup_title")
        if self.state is T.CHOOSE:
            choices = tuple(
                Choice(str(k + 1), p.biller.name(lang)) for k, p in enumerate(self.products)
            )
            return ScreenModel(self.state.value, lang, title, (t(lang, "topup_choose"),), choices)
        if self.state is T.ENTER_NUMBER:
            body = (t(lang, "topup_enter_number"), s.number or "_")
            message = t(lang, s.message_id) if s.message_id else ""
            return ScreenModel(self.state.value, lang, title, body, message=message)
        if self.state in (T.INSERT_CASH, T.SETTLING):
            total = s.cash.total if s.cash else Money.zero(self.currency)
            body = (t(lang, "topup_insert"), s.number)
            amounts = (AmountLine(t(lang, "topup_amount"), total.display(), emphasis=True),)
            return ScreenModel(self.state.value, lang, title, body, amounts=amounts)
        return ScreenModel(self.state.value, lang, title, (t(lang, "topup_done"),))
