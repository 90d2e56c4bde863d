"""IC-card recharge: a prepaid gas/electricity card in the second reader, topped up with cash.

Read the card (id, balance, counter) -> take notes and coins (escrow policy, product limits) ->
commit the money (journal + outbox, `card_credit: pending`) -> write the credit -> read it back
-> print. The money is booked BEFORE the card is written, so a failed or unconfirmed write can
never lose it: the journal holds the pending credit (card id, counter and balance before,
amount). A failed write is resolved by reading the card back — the card's counter says whether
the credit landed — and retried; if it still cannot be written, the customer gets a slip and the
credit stays pending: it is written the next time this card is presented (any session, after a
restart too: the journal is the queue), or a technician settles it (recovery flags it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.card_reader.base import CardInserted
from drivers.card_reader.stored_value import CardState, credit_is_on_card
from drivers.cash.base import NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited
from drivers.printer.document import Document
from kiosk.clock import Clock
from kiosk.events import Key, KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys.cash_tally import CashTally
from kiosk.journeys.ports import CashPort, PrintFinished, PrintPort, SyncPort
from kiosk.journeys.screen_model import ScreenModel
from kiosk.journeys.topup_ic_card_cash import IcCashSteps
from kiosk.journeys.topup_ic_card_ports import (
    CardCreditResult,
    CardRead,
    CreditJob,
    StoredValuePort,
    pending_credits,
)
from kiosk.journeys.topup_ic_card_screens import build_screen, pending_slip, receipt
from kiosk.journeys.topup_ic_card_states import TRANSITIONS, RechargeState, S
from kiosk.money.billing import Biller
from kiosk.money.ledger import Ledger
from kiosk.runtime.config import TimeoutConfig

MAX_WRITE_ATTEMPTS = 3
__all__ = ["IcCardRechargeJourney", "RechargeState"]


@dataclass
class RechargeSession:
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    txn_id: str = ""
    card: CardState | None = None
    after: CardState | None = None
    cash: CashTally | None = None
    escrow: str = ""
    request: str = ""
    job: CreditJob | None = None
    reference: str = ""
    print_job: str = ""


class IcCardRechargeJourney(IcCashSteps):
    def __init__(
        self,
        *,
        kiosk_id: str,
        currency: str,
        clock: Clock,
        timeouts: TimeoutConfig,
        ledger: Ledger,
        product: Biller,
        card: StoredValuePort,
        cash: CashPort,
        printer: PrintPort,
        sync: SyncPort,
        catalog: Catalog,
        lang: str = "zh_CN",
        reader_id: str = "ic_card",
        online: Callable[[], bool] | None = None,
        settle_only: bool = False,
    ) -> None:
        """`settle_only`: no customer on this journey — it only writes credits pending for the
        card just inserted (then closes); it never takes cash or prints."""
        self.kiosk_id, self.currency, self.clock, self.timeouts = (
            kiosk_id,
            currency,
            clock,
            timeouts,
        )
        self.product, self.catalog, self.lang, self.reader_id = product, catalog, lang, reader_id
        self._ledger, self._card, self._cash = ledger, card, cash
        self._printer, self._sync = printer, sync
        self._online = online or (lambda: True)
        self.settle_only = settle_only
        self.state = S.CLOSED
        self.session = RechargeSession()
        self._deadline: float | None = None

    # --- plumbing ---

    def _go(self, target: RechargeState, timeout: float | None = None) -> None:
        if target not in TRANSITIONS[self.state]:
            raise RuntimeError(f"{self.state.value} -> {target.value} is not allowed")
        self.state = target
        self._deadline = None if timeout is None else self.clock.monotonic() + timeout

    def _journal(
        self, kind: str, session_id: str | None = None, txn_id: str | None = None, **data: object
    ) -> None:
        s = self.session
        self._ledger.record(
            session_id or s.session_id, kind, data, txn_id=txn_id or s.txn_id or None
        )

    def start(self) -> None:
        """A new customer (the previous one, if any, is finished: their money is booked)."""
        self.session, self.state = RechargeSession(), S.CLOSED
        self._go(S.WAIT_CARD, self.timeouts.input)
        self._read()

    def _read(self) -> None:
        self.session.request = str(uuid.uuid4())
        self._card.read(self.session.request)

    def tick(self) -> None:
        if self._deadline is not None and self.clock.monotonic() >= self._deadline:
            self._deadline = None
            self._on_timeout()

    def screen(self) -> ScreenModel:
        return build_screen(self)

    # --- events ---

    def handle(self, event: object) -> None:
        match event:
            case CardRead() if event.request_id == self.session.request:
                self._on_read(event)
            case CardCreditResult() if event.request_id == self.session.request:
                self._on_credit_result(event)
            case CardInserted() if event.device_id == self.reader_id:
                if self.state is S.WAIT_CARD:
                    self._read()  # the customer inserted the card after the service opened
            case NoteInEscrow():
                self._on_escrow(event)
            case NoteCredited():
                self._on_note(event)
            case CoinCredited():
                self._on_coin(event)
            case NoteReturned():
                self.session.escrow = ""
                if self.state is S.SETTLING:
                    self._commit()
            case PrintFinished() if event.job_id == self.session.print_job:
                kind = "receipt_printed" if event.result.printed else "receipt_not_printed"
                self._journal(kind, status=event.result.status.value)
            case KeyPressed(key=key):
                self._on_key(key)
            case _:
                pass

    def _on_key(self, key: Key) -> None:
        s = self.session
        if self.state is S.INSERT_CASH:
            if key is Key.ENTER and s.cash is not None and not s.cash.total.is_zero():
                self._settle()
            elif key is Key.CANCEL:
                self._settle()  # no change is given: what is in goes onto the card
        elif self.state in (S.DONE, S.PENDING, S.WAIT_CARD) and key in (Key.ENTER, Key.CANCEL):
            self._go(S.CLOSED)

    def _on_timeout(self) -> None:
        st = self.state
        if st is S.INSERT_CASH:
            self._journal("customer_timeout", state=st.value)
            self._settle()
        elif st is S.SETTLING:
            self._journal("note_unresolved", reason="timeout")
            self.session.escrow = ""
            self._commit()  # recovery places the note in transit against the device counter
        elif st in (S.WRITING, S.VERIFYING) and self.session.job is not None:
            self._give_up(self.session.job, "card did not answer")
        elif st in (S.WAIT_CARD, S.DONE, S.PENDING):
            self._go(S.CLOSED)

    def _on_read(self, event: CardRead) -> None:
        s = self.session
        if event.state is None:
            if self.state is S.VERIFYING and s.job is not None:
                self._give_up(s.job, event.error or "card unreadable")
            elif self.settle_only and self.state is S.WAIT_CARD:
                self._go(S.CLOSED)
            return  # WAIT_CARD: no card yet; CardInserted reads again
        if self.state is S.VERIFYING and s.job is not None:
            self._verify(s.job, event.state)
            return
        if self.state is not S.WAIT_CARD:
            return
        pending = pending_credits(self._ledger.records(), event.state.card_id)
        if pending:  # an earlier session's credit first: the customer's money, never lost
            self._journal("card_credit_retry", pending[0].session_id, pending[0].txn_id)
            self._write(pending[0], event.state)
            return
        if self.settle_only:
            self._go(S.CLOSED)  # nothing (more) pending for this card
            return
        s.card = event.state
        s.txn_id, s.cash = str(uuid.uuid4()), CashTally(self.currency)
        self._journal(
            "cash_session_opened",
            journey="ic_card",
            biller=self.product.code,
            account=event.state.card_id,
            balance=event.state.balance_minor,
            counter=event.state.counter,
        )
        self._go(S.INSERT_CASH, self.timeouts.insert_cash)
        self._cash.enable()

    # --- money, then the card ---

    def _commit(self) -> None:
        s = self.session
        assert s.cash is not None and s.card is not None
        if s.cash.total.is_zero():
            self._journal("cash_session_closed", reason="no_cash", total="0")
            self._go(S.CLOSED)
            return
        amount = s.cash.total.minor
        seq = self._ledger.commit_money(
            s.session_id,
            "payment_committed",
            {
                "journey": "ic_card",
                "card_credit": "pending",
                "card_id": s.card.card_id,
                "balance_before": s.card.balance_minor,
                "counter_before": s.card.counter,
                "amount_minor": amount,
            },
            txn_id=s.txn_id,
            txn_type="topup",
            amount=s.cash.total,
            tender=s.cash.tender(),
            details={"product": self.product.code, "account": s.card.card_id},
        )
        s.reference = f"{self.kiosk_id}-{seq:06d}"
        self._sync.wake()
        self._write(CreditJob(s.session_id, s.txn_id, s.card, amount), s.card)

    def _write(self, job: CreditJob, current: CardState) -> None:
        job = CreditJob(job.session_id, job.txn_id, current, job.amount_minor, job.attempts + 1)
        self.session.job = job
        self._go(S.WRITING, self.timeouts.core_lookup)
        self.session.request = str(uuid.uuid4())
        self._card.credit(self.session.request, current, job.amount_minor)

    def _on_credit_result(self, event: CardCreditResult) -> None:
        job = self.session.job
        assert job is not None
        if event.state is not None and credit_is_on_card(job.before, event.state, job.amount_minor):
            self._written(job, event.state, "confirmed")
            return
        self._journal("card_credit_failed", job.session_id, job.txn_id, error=event.error)
        self._go(S.VERIFYING, self.timeouts.core_lookup)  # did it land? the counter tells
        self._read()

    def _verify(self, job: CreditJob, now: CardState) -> None:
        if credit_is_on_card(job.before, now, job.amount_minor):
            self._written(job, now, "verified_by_read_back")
        elif now.counter == job.before.counter and job.attempts < MAX_WRITE_ATTEMPTS:
            self._write(job, now)  # certainly not written: safe to try again
        else:
            self._give_up(job, "credit not confirmed on the card")

    def _written(self, job: CreditJob, after: CardState, how: str) -> None:
        self._journal(
            "card_credit_written",
            job.session_id,
            job.txn_id,
            balance_after=after.balance_minor,
            counter_after=after.counter,
            how=how,
        )
        if job.session_id != self.session.session_id:
            self.session.job = None  # an earlier session's credit is done; now this customer's
            self._go(S.WAIT_CARD, self.timeouts.input)
            self._read()
            return
        self.session.after = after
        self._go(S.DONE, self.timeouts.result)
        self._print(receipt(self, after))

    def _give_up(self, job: CreditJob, why: str) -> None:
        self._journal("card_credit_pending", job.session_id, job.txn_id, reason=why, flag=True)
        if self.settle_only:
            self._go(S.CLOSED)  # still pending: the next insert or the technician settles it
            return
        self._go(S.PENDING, self.timeouts.result)
        reference = self.session.reference if job.session_id == self.session.session_id else ""
        self._print(pending_slip(self, job.amount_minor, reference or job.txn_id[:8]))

    def _print(self, document: Document) -> None:
        self.session.print_job = str(uuid.uuid4())
        self._printer.submit(self.session.print_job, document)
