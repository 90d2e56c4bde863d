"""Authorization, commit and reversal steps of paying a bill by card (mixed into the journey).

Journal-before-act for card money: the request is journaled with its txn id before it is sent;
an approval is committed as a `card_payment` (journal + outbox in one SQLite transaction, tender
card with the masked PAN and auth code - never a PIN block or track 2); an authorization whose
outcome the kiosk cannot settle is reversed through the same outbox.
"""

from __future__ import annotations

import uuid

from drivers.pinpad.base import PinBlockReady
from kiosk.documents import PaymentData
from kiosk.documents import payment_receipt as build_payment_receipt
from kiosk.documents.common import mask_pan
from kiosk.journeys import receipts
from kiosk.journeys.bill_payment_card_ports import (
    AUTH_ANSWERED,
    AUTH_REQUESTED,
    AUTH_REVERSED,
    PAYMENT_COMMITTED,
    reversal_txn_id,
)
from kiosk.journeys.bill_payment_states import State
from kiosk.journeys.card_ports import AuthResult

# The core's decline reasons -> what the customer reads (every one says nothing was charged).
DECLINES = {
    "INSUFFICIENT_FUNDS": "card_pay_declined_funds",
    "PIN_TRIES_EXCEEDED": "card_pay_declined_pin_tries",
    "WRONG_PIN": "card_pay_declined_pin_tries",
    "EXPIRED_CARD": "card_pay_declined_expired",
    "INVALID_CARD": "card_pay_declined_card",
    "UNKNOWN_CARD": "card_pay_declined_card",
}


class CardAuthSteps:
    """Uses the journey's session, ledger, card payment and the PaymentCorePort."""

    def _authorize(self, event: PinBlockReady) -> None:
        session, cp = self.session, self.card_pay
        assert cp.card is not None and session.bill is not None
        session.txn_id, cp.request_id, cp.message_id = str(uuid.uuid4()), str(uuid.uuid4()), ""
        # Durable before it leaves: recovery reverses any authorization it cannot see settled.
        self._journal(
            AUTH_REQUESTED,
            purpose="payment",
            amount=cp.amount.wire(),
            masked_pan=cp.card.masked_pan,
            bill_id=session.bill.bill_id,
        )
        self._go(State.CARD_AUTHORIZING, self.timeouts.core_lookup)
        self._card_core.request_payment(
            cp.request_id,
            cp.card,
            event.pin_block,
            event.pin_format.value,
            cp.amount,
            session.txn_id,
        )

    def _authorized(self, result: AuthResult) -> None:
        cp = self.card_pay
        self._journal(
            AUTH_ANSWERED,
            approved=result.approved,
            reason=result.reason,
            tries_left=result.tries_left,
            auth_code=result.auth_code,
            retain_card=result.retain_card,
        )
        if result.approved and not result.retain_card:
            self._commit_card_payment(result.auth_code)
        elif result.retain_card:
            if result.approved:
                self._reverse("retain_ordered")
            self._pinpad.abort()
            self.cards.retain(self.session.session_id, "issuer_order")
            if cp.swiped:  # journaled as ordered, not captured: the customer holds the card
                self._back_to_bill("card_pay_declined")
                return
            cp.after_take, cp.after_message = "bill", "card_pay_retained"
            cp.card_present = False
            self._go(State.CARD_RETAINED, self.timeouts.result)
        elif result.reason == "WRONG_PIN" and result.tries_left and not cp.card_present | cp.swiped:
            self._card_eject("declined", "card_error_removed")  # no card left to retry with
        elif result.reason == "WRONG_PIN" and result.tries_left and cp.card is not None:
            cp.message_id, cp.tries_left, cp.pin_digits = "card_wrong_pin", result.tries_left, 0
            self._pinpad.begin(cp.card.pan)
            self._go(State.CARD_PIN, self.timeouts.input)
        else:
            self._card_eject("declined", DECLINES.get(result.reason, "card_pay_declined"))

    def _commit_card_payment(self, auth_code: str) -> None:
        session, cp = self.session, self.card_pay
        assert session.bill is not None and session.biller is not None and cp.card is not None
        seq = self._ledger.commit_money(
            session.session_id,
            PAYMENT_COMMITTED,
            {"bill_id": session.bill.bill_id, "tender": "card"},
            txn_id=session.txn_id,
            txn_type="card_payment",
            amount=cp.amount,
            tender={"type": "card", "masked_pan": cp.card.masked_pan, "auth_code": auth_code},
            details={
                "biller": session.biller.code,
                "account": session.account,
                "bill_id": session.bill.bill_id,
                "amount_due": session.bill.amount_due.wire(),
            },
        )
        cp.approved, cp.auth_code = True, auth_code
        session.reference = f"{self.kiosk_id}-{seq:06d}"
        self._sync.wake()
        self._card_eject("paid", "", then="print")  # the card first, then the receipt

    def _reverse(self, reason: str) -> None:
        """Queues the release of this authorization's hold (a no-op at the core if none)."""
        session, cp = self.session, self.card_pay
        masked = cp.card.masked_pan if cp.card is not None else ""
        self._ledger.commit_money(
            session.session_id,
            AUTH_REVERSED,
            {"original_txn_id": session.txn_id, "reason": reason},
            txn_id=reversal_txn_id(session.txn_id),
            txn_type="reversal",
            amount=cp.amount,
            tender={"type": "card", "masked_pan": masked},
            details={"original_txn_id": session.txn_id, "reason": reason},
        )
        self._sync.wake()

    def _card_receipt(self) -> receipts.Document:
        session, cp = self.session, self.card_pay
        assert session.bill is not None and session.biller is not None and cp.card is not None
        data = PaymentData(
            reference=session.reference,
            txn_id=session.txn_id,
            biller=session.biller.name(session.lang),
            account=session.account,
            bill_id=session.bill.bill_id,
            period=session.bill.period,
            amount_due=session.bill.amount_due.display(),
            paid=cp.amount.display(),
            tender="card",
            masked_pan=mask_pan(cp.card.masked_pan),
            auth_code=cp.auth_code,
        )
        return build_payment_receipt(receipts.context(self), data)
