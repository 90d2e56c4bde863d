"""IC-card recharge: a prepaid gas/electricity card in the second reader, topped up with cash.

Read the card (id, balance, counter) -> take notes (escrow policy, product limits) -> commit the
money (journal + outbox, `card_credit: pending`) -> write the credit -> read it back -> print.
The money is booked BEFORE the card is written, so a failed or unconfirmed write can never lose
it: the journal holds the pending credit (card id, counter and balance before, amount). A failed
write is resolved by reading the card back — the card's counter says whether the credit landed —
and retried; if it still cannot be written, the customer gets a slip and the credit stays
pending: it is written the next time this card is presented (any session), or a technician
settles it (recovery flags it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from drivers.card_reader.stored_value import CardState, credit_is_on_card
from drivers.cash.base import NoteCredited, NoteInEscrow, NoteReturned
from kiosk.billing import Biller
from kiosk.cash import escrow_policy
from kiosk.clock import Clock
from kiosk.config import TimeoutConfig
from kiosk.events import KeyPressed
from kiosk.i18n import Catalog
from kiosk.journeys.cash_tally import CashTally
from kiosk.journeys.ports import CashPort, PrintPort, SyncPort
from kiosk.journeys.topup_ic_card_ports import (
    CardCreditResult,
    CardRead,
    CreditJob,
    StoredValuePort,
    pending_credits,
)
from kiosk.keys import Key
from kiosk.ledger import Ledger
from kiosk.money import Money
from kiosk.screen_model import AmountLine, ScreenModel

MAX_WRITE_ATTEMPTS = 3


class RechargeState(str, Enum):
    CLOSED = "ic_closed"
    WAIT_CARD = "ic_wait_card"
    INSERT_CASH = "ic_insert_cash"
    SETTLING = "ic_settling"
    WRITING = "ic_writing"
    VERIFYING = "ic_verifying"
    DONE = "ic_done"
    PENDING = "ic_pending"  # money booked, credit not on the card yet: slip + retry later


@dataclass
class RechargeSession:
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    txn_id: str = ""
    card: CardState | None = None
    cash: CashTally | None = None
    escrow: str = ""
    request: str = ""
    job: CreditJob | None = None
    reference: str = ""


class IcCardRechargeJourney:
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
        online: Callable[[], bool] | None = None,
    ) -> None:
        self.kiosk_id, self.currency, self.clock, self.timeouts = (
            kiosk_id,
            currency,
            clock,
            timeouts,
        )
        self.product = product
        self._ledger, self._card, self._cash = ledger, card, cash
        self._printer, self._sync = printer, sync
        self._online = online or (lambda: True)
        self.state = RechargeState.CLOSED
        self.session = RechargeSession()
        self.printed: list[str] = []

    def _journal(
        self, kind: str, session_id: str | None = None, txn_id: str | None = None, **data: object
    ) -> None:
        s = self.session
        self._ledger.record(
            session_id or s.session_id, kind, data, txn_id=txn_id or s.txn_id or None
        )

    def start(self) -> None:
        self.session = RechargeSession()
        self.state = RechargeState.WAIT_CARD
        self._read()

    def _read(self) -> None:
        self.session.request = str(uuid.uuid4())
        self._card.read(self.session.request)

    # --- events ---

    def handle(self, event: object) -> None:
        match event:
            case CardRead() if event.request_id == self.session.request:
                self._on_read(event)
            case CardCreditResult() if event.request_id == self.session.request:
                self._on_credit_result(event)
            case NoteInEscrow():
                self._on_escrow(event)
            case NoteCredited():
                self._on_note(event)
            case NoteReturned():
                self.session.escrow = ""
                if self.state is RechargeState.SETTLING:
                    self._commit()
            case KeyPressed(key=key):
                self._on_key(key)
            case _:
                pass

    def _on_key(self, key: Key) -> None:
        s = self.session
        if self.state is RechargeState.INSERT_CASH:
            if key is Key.ENTER and s.cash is not None and not s.cash.total.is_zero():
                self._settle()
            elif key is Key.CANCEL:
                self._settle()  # no change is given: what is in goes onto the card
        elif self.state in (
            RechargeState.DONE,
            RechargeState.PENDING,
            RechargeState.WAIT_CARD,
        ) and (key in (Key.ENTER, Key.CANCEL)):
            self.state = RechargeState.CLOSED

    def _on_read(self, event: CardRead) -> None:
        s = self.session
        if event.state is None:
            if self.state is RechargeState.VERIFYING and s.job is not None:
                self._give_up(s.job, event.error or "card unreadable")
            return
        if self.state is RechargeState.VERIFYING and s.job is not None:
            self._verify(s.job, event.state)
            return
        if self.state is not RechargeState.WAIT_CARD:
            return
        pending = pending_credits(self._ledger.records(), event.state.card_id)
        if pending:  # an earlier session's credit first: the customer's money, never lost
            self._write(pending[0], event.state)
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
        self.state = RechargeState.INSERT_CASH
        self._cash.enable()

    def _on_escrow(self, event: NoteInEscrow) -> None:
        s = self.session
        note = Money.from_minor(event.value_minor, event.currency)
        if self.state is not RechargeState.INSERT_CASH or s.cash is None:
            decision = escrow_policy.EscrowDecision(False, "not_accepting")
        else:
            decision = escrow_policy.decide(
                note, s.cash.total, self.product, due=None, online=self._online()
            )
        kind = "note_escrow_accepted" if decision.accept else "note_escrow_rejected"
        self._journal(kind, **decision.journal(note))
        if decision.accept:
            s.escrow = "accepted"
            self._cash.accept_escrow()
        else:
            self._cash.reject_escrow()

    def _on_note(self, event: NoteCredited) -> None:
        s = self.session
        if s.cash is None or self.state not in (RechargeState.INSERT_CASH, RechargeState.SETTLING):
            return
        s.escrow = ""
        s.cash.add(event.value_minor)
        value = Money.from_minor(event.value_minor, event.currency)
        self._journal("note_stacked", value=value.wire(), total=s.cash.total.wire())
        if self.state is RechargeState.SETTLING:
            self._commit()

    def _settle(self) -> None:
        self._cash.disable()
        if self.session.escrow == "accepted":
            self.state = RechargeState.SETTLING
            return
        self._commit()

    # --- money, then the card ---

    def _commit(self) -> None:
        s = self.session
        assert s.cash is not None and s.card is not None
        if s.cash.total.is_zero():
            self._journal("cash_session_closed", reason="no_cash", total="0")
            self.state = RechargeState.CLOSED
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
        self.state = RechargeState.WRITING
        self.session.request = str(uuid.uuid4())
        self._card.credit(self.session.request, current, job.amount_minor)

    def _on_credit_result(self, event: CardCreditResult) -> None:
        job = self.session.job
        assert job is not None
        if event.state is not None and credit_is_on_card(job.before, event.state, job.amount_minor):
            self._written(job, event.state, "confirmed")
            return
        self._journal("card_credit_failed", job.session_id, job.txn_id, error=event.error)
        self.state = RechargeState.VERIFYING  # did it land? the card's counter tells
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
            self.state = RechargeState.WAIT_CARD
            self._read()
            return
        self.state = RechargeState.DONE
        self.printed.append(f"receipt {self.session.reference} balance {after.balance_minor}")

    def screen(self, catalog: Catalog, lang: str) -> ScreenModel:
        """One screen model per state (rendered and spoken like every journey's)."""
        s, t, st = self.session, catalog.text, self.state
        title = t(lang, "ic_title")
        amounts: tuple[AmountLine, ...] = ()
        if s.card is not None:
            balance = Money.from_minor(s.card.balance_minor, self.currency).display()
            amounts = (AmountLine(t(lang, "ic_balance"), balance),)
        if st in (RechargeState.INSERT_CASH, RechargeState.SETTLING) and s.cash is not None:
            inserted = AmountLine(t(lang, "topup_amount"), s.cash.total.display(), emphasis=True)
            return ScreenModel(
                st.value, lang, title, (t(lang, "topup_insert"),), amounts=(*amounts, inserted)
            )
        body = {
            RechargeState.WAIT_CARD: t(lang, "ic_insert_card"),
            RechargeState.WRITING: t(lang, "ic_writing"),
            RechargeState.VERIFYING: t(lang, "ic_writing"),
            RechargeState.DONE: t(lang, "ic_done"),
        }.get(st, "")
        if st is RechargeState.PENDING and s.cash is not None:
            body = t(lang, "ic_pending", amount=s.cash.total.display(), reference=s.reference)
        return ScreenModel(
            st.value,
            lang,
            title,
            (body,) if body else (),
            amounts=amounts,
            busy=st in (RechargeState.WRITING, RechargeState.VERIFYING),
        )

    def _give_up(self, job: CreditJob, why: str) -> None:
        self._journal("card_credit_pending", job.session_id, job.txn_id, reason=why, flag=True)
        self.state = RechargeState.PENDING
        self.printed.append(f"slip {self.session.reference}: credit pending, present card again")
