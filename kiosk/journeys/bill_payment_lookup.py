"""Bill look-up steps of the bill-payment journey (a mixin of BillPaymentJourney).

The core's answer is taken only for the look-up the customer is still waiting on; the bill due
first is shown. A bill that came from the cache while the core is away is paid offline only if
the offline policy allows it, decided and journaled here, before the cash acceptor is enabled.
"""

from __future__ import annotations

from kiosk.journeys.bill_payment_states import State
from kiosk.journeys.ports import BillLookupFailed, BillsFetched
from kiosk.money import offline_policy
from kiosk.money.billing import Bill

LOOKUP_MESSAGES = {
    "UNKNOWN_ACCOUNT": "unknown_account",
    "CORE_REPLY_INVALID": "core_reply_invalid",
}


class LookupSteps:
    """Mixed into BillPaymentJourney; uses its session, journal, notices and timers."""

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
