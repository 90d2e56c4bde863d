"""IC-card recharge: a prepaid gas/electricity card in the second reader, topped up with cash.

    wait for the card -> read it (id, balance, counter)
      -> a credit still pending for this card (an earlier session's): written first, then on
      -> cash (Tender, an open amount): left with cash in -> booked -> write the credit
                                        left with nothing in -> closed
      -> write: confirmed -> done + receipt (ReceiptStep)
                not confirmed -> read back: landed -> done; certainly not -> write again
                                 (at most MAX_WRITE_ATTEMPTS); unknown -> pending + slip

The money is booked (journal + outbox, `card_credit: pending`) BEFORE the card is written, so a
failed or unconfirmed write can never lose it: the journal holds the pending credit (card id,
counter and balance before, amount). If it still cannot be written, the customer gets a slip and
the credit stays pending: it is written the next time this card is presented (any session, after
a restart too: the journal is the queue), or a technician settles it (recovery flags it). No
change is given: Cancel or a timeout with cash inserted puts that cash on the card.
"""

from __future__ import annotations

import uuid
from typing import Any

from drivers.card_reader.base import CardInserted
from drivers.card_reader.stored_value import CardState, credit_is_on_card
from drivers.printer.document import Document
from kiosk.events import Key, KeyPressed
from kiosk.journeys import topup_ic_card_books as books
from kiosk.journeys import topup_ic_card_screens as screens
from kiosk.journeys import topup_ic_card_states as states
from kiosk.journeys.parts.base import PartContext
from kiosk.journeys.parts.receipt_step import ReceiptDone, ReceiptStep
from kiosk.journeys.parts.tender import Tender, TenderDone
from kiosk.journeys.ports import PrintFinished
from kiosk.journeys.screen_model import ScreenModel
from kiosk.journeys.topup_ic_card_ports import CardCreditResult, CardRead, CreditJob
from kiosk.journeys.topup_ic_card_setup import RechargeSetup, cash_opened, tender_spec
from kiosk.journeys.topup_ic_card_states import CUSTOMER_STEPS, RechargeState, Step

MAX_WRITE_ATTEMPTS = 3
REREAD_S = 1.0  # waiting for a card: a read that found none is asked again this often
__all__ = ["IcCardRechargeJourney", "RechargeState"]


class IcCardRechargeJourney:
    def __init__(self, *, lang: str = "zh_CN", **setup: Any) -> None:
        """`setup`: the ports and settings of RechargeSetup."""
        self.setup = s = RechargeSetup(**setup)
        self.catalog, self.clock = s.catalog, s.clock
        self.lang = lang
        self.timeout_factor = 1.0  # set by voice mode through the service
        self.printing: list[ReceiptStep] = []  # a receipt's outcome is journaled even late
        self._new_session()

    def _new_session(self) -> None:
        self._reread_at: float | None = None
        self.session = s = states.RechargeSession()
        factor, lang = (lambda: self.timeout_factor), (lambda: self.lang)
        self.steps = states.recharge_steps(self.clock, factor)
        journal = books.session_journal(self.setup, s)  # a part's entries stay this session's
        timeouts, cabinet = self.setup.timeouts, self.setup.cabinet
        self.ctx = PartContext(self.catalog, self.clock, timeouts, journal, lang, factor, cabinet)

    # -- where the customer is ---------------------------------------------------------------

    @property
    def step(self) -> Step:
        return self.steps.step

    @property
    def tender(self) -> Tender | None:
        part = self.steps.part  # a finished tender takes nothing more (its handle says so)
        return part if isinstance(part, Tender) else None

    @property
    def state(self) -> RechargeState:
        tender = self.tender
        return states.screen_state(self.step, tender.state if tender is not None else None)

    def screen(self) -> ScreenModel:
        return screens.build_screen(self)

    def _journal(self, kind: str, job: CreditJob, **data: object) -> None:
        """A credit job's entries go to the session that paid for it."""
        self.setup.ledger.record(job.session_id, kind, data, txn_id=job.txn_id or None)

    # -- events in, time in --------------------------------------------------------------------

    def handle(self, event: object) -> None:
        request = self.session.request
        if isinstance(event, CardRead) and event.request_id == request:
            self._on_read(event)
        elif isinstance(event, CardCreditResult) and event.request_id == request:
            self._on_credit_result(event)
        elif isinstance(event, CardInserted) and event.device_id == self.setup.reader_id:
            if self.step is Step.WAIT_CARD:
                self._read()  # the customer inserted the card after the service opened
        elif isinstance(event, books.CASH_EVENTS):
            tender = self.tender
            if tender is None or not tender.handle(event):  # money outside the cash step
                books.refuse_stray_cash(self.setup, self.session, self.state.value, event)
        elif isinstance(event, PrintFinished):
            for step in self.printing:
                step.handle(event)
        elif isinstance(event, KeyPressed):
            self._on_key(event.key)

    def tick(self) -> None:
        for step in list(self.printing):
            step.tick()
        reread = self._reread_at
        if reread is not None and self.step is Step.WAIT_CARD and self.clock.monotonic() >= reread:
            self._read()  # a card already in the slot is found even if no insert event comes
        self.steps.tick(self._on_timeout)

    def _on_key(self, key: Key) -> None:
        tender = self.tender
        if tender is not None:
            tender.handle(KeyPressed(key))  # Enter or Cancel: what is in goes onto the card
            return
        self.steps.rearm()
        if self.step in CUSTOMER_STEPS and key in (Key.ENTER, Key.CANCEL):
            self.steps.go(Step.CLOSED)

    def _on_timeout(self) -> None:
        job = self.session.job
        if self.step in (Step.WRITING, Step.VERIFYING) and job is not None:
            self._give_up(job, "card did not answer")
        elif self.step in CUSTOMER_STEPS:
            self.steps.go(Step.CLOSED)

    # -- the steps, in order -------------------------------------------------------------------

    def start(self) -> None:
        """A new customer (the previous one, if any, is finished: their money is booked)."""
        self._new_session()
        self.steps.go(Step.WAIT_CARD, self.setup.timeouts.input)
        self._read()

    def _read(self) -> None:
        self._reread_at = None
        self.session.request = str(uuid.uuid4())
        self.setup.card.read(self.session.request)

    def _on_read(self, event: CardRead) -> None:
        s, step, settle_only = self.session, self.step, self.setup.settle_only
        if event.state is None:
            if step is Step.VERIFYING and s.job is not None:
                self._give_up(s.job, event.error or "card unreadable")
            elif settle_only and step is Step.WAIT_CARD:
                self.steps.go(Step.CLOSED)
            elif step is Step.WAIT_CARD:  # no card yet, or the reader was busy: ask again soon
                self._reread_at = self.clock.monotonic() + REREAD_S
            return  # WAIT_CARD: CardInserted (or the re-read) reads again
        if step is Step.VERIFYING and s.job is not None:
            self._verify(s.job, event.state)
        elif step is Step.WAIT_CARD:
            pending = books.pending_for(self.setup, event.state.card_id)
            if pending:  # an earlier session's credit first: the customer's money, never lost
                self._journal("card_credit_retry", pending[0])
                self._write(pending[0], event.state)
            elif settle_only:
                self.steps.go(Step.CLOSED)  # nothing (more) pending for this card
            else:
                self._take_cash(event.state)

    def _take_cash(self, card: CardState) -> None:
        s, setup = self.session, self.setup
        s.card, s.txn_id = card, str(uuid.uuid4())
        spec = tender_spec(setup, self.ctx)
        tender = Tender(
            self.ctx, spec, cash=setup.cash, currency=setup.currency, on_done=self._cash_done
        )
        s.cash = tender.tally
        self.steps.go(Step.CASH, part=tender)
        tender.start(**cash_opened(setup, card))  # journaled first: recovery credits from it

    def _cash_done(self, outcome: object) -> None:
        """Whatever way the customer left, cash inserted goes onto the card (no change given)."""
        assert isinstance(outcome, TenderDone)
        s, setup = self.session, self.setup
        if outcome.total.is_zero():
            self.steps.go(Step.CLOSED)  # the tender journaled cash_session_closed
            return
        assert s.card is not None
        seq = books.book_recharge(setup, s, outcome.tally)  # booked BEFORE the card is written
        s.reference = f"{setup.kiosk_id}-{seq:06d}"
        setup.sync.wake()
        self._write(CreditJob(s.session_id, s.txn_id, s.card, outcome.total.minor), s.card)

    def _write(self, job: CreditJob, current: CardState) -> None:
        job = CreditJob(job.session_id, job.txn_id, current, job.amount_minor, job.attempts + 1)
        self.session.job = job
        self.steps.go(Step.WRITING, self.setup.timeouts.core_lookup)
        self.session.request = str(uuid.uuid4())
        self.setup.card.credit(self.session.request, current, job.amount_minor)

    def _on_credit_result(self, event: CardCreditResult) -> None:
        job = self.session.job
        assert job is not None
        if event.state is not None and credit_is_on_card(job.before, event.state, job.amount_minor):
            self._written(job, event.state, "confirmed")
            return
        self._journal("card_credit_failed", job, error=event.error)
        self.steps.go(Step.VERIFYING, self.setup.timeouts.core_lookup)  # did it land?
        self._read()  # the card's counter tells

    def _verify(self, job: CreditJob, now: CardState) -> None:
        if credit_is_on_card(job.before, now, job.amount_minor):
            self._written(job, now, "verified_by_read_back")
        elif now.counter == job.before.counter and job.attempts < MAX_WRITE_ATTEMPTS:
            self._write(job, now)  # certainly not written: safe to try again
        else:
            self._give_up(job, "credit not confirmed on the card")

    def _written(self, job: CreditJob, after: CardState, how: str) -> None:
        after_data = {"balance_after": after.balance_minor, "counter_after": after.counter}
        self._journal("card_credit_written", job, **after_data, how=how)
        s = self.session
        if job.session_id != s.session_id:
            s.job = None  # an earlier session's credit is done; now this customer's
            self.steps.go(Step.WAIT_CARD, self.setup.timeouts.input)
            self._read()
            return
        s.after = after
        self.steps.go(Step.DONE, self.setup.timeouts.result)
        self._print(screens.receipt(self, after), RechargeState.DONE)

    def _give_up(self, job: CreditJob, why: str) -> None:
        self._journal("card_credit_pending", job, reason=why, flag=True)
        if self.setup.settle_only:
            self.steps.go(Step.CLOSED)  # still pending: the next insert or the technician
            return
        self.steps.go(Step.PENDING, self.setup.timeouts.result)
        slip = screens.pending_slip(self, job.amount_minor, screens.pending_reference(self.session))
        self._print(slip, RechargeState.PENDING)

    def _print(self, document: Document, screen: RechargeState) -> None:
        """Printed while the result is on screen; its real outcome is journaled and shown."""
        s = self.session

        def printed(outcome: object) -> None:
            assert isinstance(outcome, ReceiptDone)
            s.receipt = outcome
            self.printing = [p for p in self.printing if not p.finished]

        printer = self.setup.printer
        step = ReceiptStep(
            self.ctx, printer=printer, document=document, screen_id=screen.value, on_done=printed
        )
        self.printing.append(step)
        step.start()
