"""Cash steps of the IC-card recharge: escrow decisions, stacked notes, coins, settling.

Split out of topup_ic_card.py by concern; the methods run on the journey itself (a mixin), so
every money step still goes through its ledger before the device is told to act.
"""

from __future__ import annotations

from drivers.cash.base import NoteCredited, NoteInEscrow
from drivers.coin.base import CoinCredited
from kiosk.journeys.topup_ic_card_states import CASH_STATES, S
from kiosk.money.amount import Money
from kiosk.money.cash import escrow_policy
from kiosk.money.cash.coin_service import book_coin, book_unassigned_coin


class IcCashSteps:
    """Mixed into IcCardRechargeJourney; uses its session, ledger, cash port and timers."""

    def _on_escrow(self, event: NoteInEscrow) -> None:
        s = self.session
        note = Money.from_minor(event.value_minor, event.currency)
        if self.state is not S.INSERT_CASH or s.cash is None:
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
        if s.cash is None or self.state not in CASH_STATES:
            return
        s.escrow = ""
        s.cash.add(event.value_minor)
        value = Money.from_minor(event.value_minor, event.currency)
        self._journal("note_stacked", value=value.wire(), total=s.cash.total.wire())
        if self.state is S.SETTLING:
            self._commit()
        else:
            self._deadline = self.clock.monotonic() + self.timeouts.insert_cash

    def _on_coin(self, event: CoinCredited) -> None:
        """Already in the coin box: booked first; outside the cash steps, a flagged deposit."""
        s = self.session
        if s.cash is None or self.state not in CASH_STATES:
            book_unassigned_coin(self._ledger, s.session_id, self.state.value, event)
            self._sync.wake()
            return
        book_coin(self._ledger, s.session_id, s.txn_id, s.cash, event)
        if self.state is S.INSERT_CASH:
            self._deadline = self.clock.monotonic() + self.timeouts.insert_cash

    def _settle(self) -> None:
        self._cash.disable()
        if self.session.escrow == "accepted":
            self._go(S.SETTLING, self.timeouts.settle_note)
            return
        self._commit()
