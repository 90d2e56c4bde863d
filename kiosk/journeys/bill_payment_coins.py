"""Coin steps of the bill-payment journey (kiosk/money/cash/coin_service.py says why coins differ).

A coin is booked on its credit event before anything else. In the open cash session it adds to
the tally (Confirm included: a coin still rolling when the acceptor was disabled is the
customer's money and goes into the payment or the prepayment); otherwise it is a flagged deposit.
"""

from __future__ import annotations

from drivers.coin.base import CoinCredited
from kiosk.journeys.bill_payment_states import State
from kiosk.money.cash.coin_service import book_coin, book_unassigned_coin

COIN_STATES = (State.INSERT_CASH, State.SETTLING_CASH, State.CONFIRM)


class CoinSteps:
    """Mixed into BillPaymentJourney next to CashSteps."""

    def _on_coin(self, event: CoinCredited) -> None:
        session = self.session
        if session.cash is None or self.state not in COIN_STATES:
            book_unassigned_coin(self._ledger, session.session_id, self.state.value, event)
            self._sync.wake()
            return
        book_coin(self._ledger, session.session_id, session.txn_id or None, session.cash, event)
        if self.state is not State.INSERT_CASH:
            return
        if session.cash.total >= self.amount_due() and not session.escrow:
            self._cash.disable()  # a note in transit completes the check when it stacks
            self._go(State.CONFIRM, self.timeouts.confirm)
        else:
            self._arm(self.timeouts.insert_cash)
