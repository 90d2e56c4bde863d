"""Cash steps of the bill-payment journey: escrow decisions, stacked notes, settling early.

Split out of bill_payment.py by concern; the methods run on the journey itself (a mixin), so
every money step still goes through its ledger before the device is told to act.
"""

from __future__ import annotations

import uuid

from drivers.base import DeviceState
from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from kiosk.journeys import receipts
from kiosk.journeys.bill_payment_states import State
from kiosk.money.amount import Money
from kiosk.money.cash import escrow_policy


class CashSteps:
    """Mixed into BillPaymentJourney; uses its session, ledger, cash port and timers."""

    def _open_cash_session(self) -> None:
        session = self.session
        assert session.bill is not None and session.biller is not None
        tally = session.open_cash()
        self._journal(
            "cash_session_opened",
            biller=session.biller.code,
            account=session.account,
            bill_id=session.bill.bill_id,
            amount_due=session.bill.amount_due.wire(),
            currency=tally.currency,
        )
        self._go(State.INSERT_CASH, self.timeouts.insert_cash)
        self._cash.enable()

    def amount_due(self) -> Money:
        assert self.session.bill is not None
        return self.session.bill.amount_due

    def _on_escrow(self, event: NoteInEscrow) -> None:
        """The note is still the customer's (the driver HOLDs it): decide, journal, then act."""
        session = self.session
        note = Money.from_minor(event.value_minor, event.currency)
        if self.state is not State.INSERT_CASH or session.cash is None or session.biller is None:
            decision = escrow_policy.EscrowDecision(False, "not_accepting")
        else:
            decision = escrow_policy.decide(
                note,
                session.cash.total,
                session.biller,
                due=self.amount_due(),
                online=self._online() and not self.offline,
            )
        if not decision.accept:
            self._journal("note_escrow_rejected", **decision.journal(note))
            self._cash.reject_escrow()
            return
        if decision.needs_consent and self.overpay_consent:
            # Overpayment: this note's prepayment is on screen BEFORE it can be stacked.
            self._journal("note_escrow_overpay_offered", **decision.journal(note))
            session.escrow = "held"
            self.escrow_offer = (note, decision.prepayment)
            self._arm(self.timeouts.confirm)
            return
        self._accept_note(note, decision)

    def _accept_note(self, note: Money, decision: escrow_policy.EscrowDecision) -> None:
        self.escrow_offer = None
        self._journal("note_escrow_accepted", **decision.journal(note))
        self.session.escrow = "accepted"
        self._cash.accept_escrow()

    def _answer_offer(self, agree: bool) -> None:
        assert self.escrow_offer is not None
        note, prepayment = self.escrow_offer
        if agree:
            self._accept_note(note, escrow_policy.EscrowDecision(True, prepayment=prepayment))
            return
        self.escrow_offer = None
        self.session.escrow = ""
        self._journal("note_escrow_rejected", value=note.wire(), reason="customer_declined")
        self._cash.reject_escrow()

    def _on_credit(self, event: NoteCredited) -> None:
        session = self.session
        value = Money.from_minor(event.value_minor, event.currency)
        if session.cash is None or self.state not in (State.INSERT_CASH, State.SETTLING_CASH):
            self._credit_unassigned(event)
            return
        session.escrow = ""
        session.cash.add(event.value_minor)
        self._journal("note_stacked", value=value.wire(), total=session.cash.total.wire())
        if self.state is State.SETTLING_CASH:
            self._finish_settle()
        elif session.cash.total >= self.amount_due():
            self._cash.disable()
            self._go(State.CONFIRM, self.timeouts.confirm)
        else:
            self._arm(self.timeouts.insert_cash)

    def _credit_unassigned(self, event: NoteCredited) -> None:
        """A note stacked outside any cash session: never lost, queued and flagged."""
        amount = Money.from_minor(event.value_minor, event.currency)
        txn_id = str(uuid.uuid4())
        tally_notes = {str(amount.amount): 1}
        self._ledger.commit_money(
            self.session.session_id,
            "note_stacked_unassigned",
            {"state": self.state.value, "flagged": True},
            txn_id=txn_id,
            txn_type="cash_deposit",
            amount=amount,
            tender={"type": "cash", "notes": tally_notes},
            details={"reason": "unassigned_note", "flagged": True},
        )
        self._sync.wake()

    def _on_returned(self, event: NoteReturned) -> None:
        self._journal("note_returned", reason=event.reason)
        if self.session.escrow:
            self.session.escrow = ""
        if self.state is State.INSERT_CASH:
            self.session.message_id = "note_returned"
        elif self.state is State.SETTLING_CASH:
            self._finish_settle()

    def _on_acceptor_state(self, event: AcceptorStateChanged) -> None:
        if event.state is DeviceState.ONLINE or self.state is not State.INSERT_CASH:
            return
        self._journal("acceptor_fault", state=event.state.value, detail=event.detail)
        if self.session.cash is not None and not self.session.cash.total.is_zero():
            self._settle("device_fault")
        else:
            self._cash.disable()
            self._notice("cash_unavailable", State.ATTRACT)

    def _settle(self, reason: str) -> None:
        """Leaves the cash session early: inserted cash is credited, never lost."""
        session = self.session
        session.settle_reason = reason
        self._cash.disable()
        if session.escrow == "held":
            if self.escrow_offer is not None:
                note = self.escrow_offer[0].wire()
                self._journal("note_escrow_rejected", value=note, reason=reason)
            self.escrow_offer, session.escrow = None, ""
            self._cash.reject_escrow()
        if session.escrow == "accepted":
            self._journal("settle_waiting_for_note", reason=reason)
            self._go(State.SETTLING_CASH, self.timeouts.settle_note)
            return
        self._finish_settle()

    def _finish_settle(self) -> None:
        session = self.session
        if session.cash is None or session.cash.total.is_zero():
            self._journal("cash_session_closed", reason=session.settle_reason, total="0")
            if self.state is State.SETTLING_CASH or self.state is State.INSERT_CASH:
                self._to_attract()
            return
        assert session.biller is not None
        seq = self._ledger.commit_money(
            session.session_id,
            "cash_credited",
            {"reason": session.settle_reason},
            txn_id=session.txn_id,
            txn_type="cash_deposit",
            amount=session.cash.total,
            tender=session.cash.tender(),
            details={
                "biller": session.biller.code,
                "account": session.account,
                "reason": session.settle_reason,
            },
        )
        session.reference = f"{self.kiosk_id}-{seq:06d}"
        self._sync.wake()
        self._print(receipts.credit_slip(self, seq), State.PRINTING_CREDIT_SLIP)
