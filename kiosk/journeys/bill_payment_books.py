"""The money facts of a bill payment, each one journal entry and its outbox record in one commit.

Called before the next device action (the receipt is printed after the payment is booked, the
card is given back after the card payment is booked), so a crash between the two leaves the
money accounted for: recovery finds the record and the queue delivers it exactly once.
"""

from __future__ import annotations

import uuid

from drivers.cash.base import NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited
from kiosk.journeys.bill_payment_card_ports import (
    AUTH_REVERSED,
    PAYMENT_COMMITTED,
    reversal_txn_id,
)
from kiosk.journeys.bill_payment_setup import JourneySetup
from kiosk.journeys.session import CustomerSession
from kiosk.money.amount import Money
from kiosk.money.cash import escrow_policy
from kiosk.money.cash.coin_service import book_unassigned_coin
from kiosk.money.ledger import Ledger


def _payer(session: CustomerSession) -> dict[str, str]:
    assert session.biller is not None
    return {"biller": session.biller.code, "account": session.account}


def commit_cash_payment(ledger: Ledger, session: CustomerSession, *, offline: bool) -> int:
    assert session.cash is not None and session.bill is not None
    due, paid = session.bill.amount_due, session.cash.total
    return ledger.commit_money(
        session.session_id,
        "payment_committed",
        {"bill_id": session.bill.bill_id},
        txn_id=session.txn_id,
        txn_type="bill_payment",
        amount=paid,
        tender=session.cash.tender(),
        details={
            **_payer(session),
            "bill_id": session.bill.bill_id,
            "amount_due": due.wire(),
            "prepayment": (paid - due if paid > due else Money.zero(due.currency)).wire(),
            **({"partial": True} if paid < due else {}),
            **({"offline": True} if offline else {}),
        },
    )


def credit_cash(ledger: Ledger, session: CustomerSession, reason: str) -> int:
    """Cash inserted but not paid (cancel, timeout, fault): credited to the account."""
    assert session.cash is not None
    return ledger.commit_money(
        session.session_id,
        "cash_credited",
        {"reason": reason},
        txn_id=session.txn_id,
        txn_type="cash_deposit",
        amount=session.cash.total,
        tender=session.cash.tender(),
        details={**_payer(session), "reason": reason},
    )


def book_stray_cash(
    setup: JourneySetup, session: CustomerSession, state: str, event: object
) -> None:
    """Cash events with no tender open: stacked money is booked and flagged, never lost; a note
    offered in escrow goes back (journaled first)."""
    ledger, sid, txn = setup.ledger, session.session_id, session.txn_id or None
    if isinstance(event, NoteCredited):
        book_unassigned_note(ledger, sid, state, event)
        setup.sync.wake()
    elif isinstance(event, CoinCredited):
        book_unassigned_coin(ledger, sid, state, event)
        setup.sync.wake()
    elif isinstance(event, NoteInEscrow):
        note = Money.from_minor(event.value_minor, event.currency)
        refused = escrow_policy.EscrowDecision(False, "not_accepting")
        ledger.record(
            sid, "note_escrow_rejected", refused.journal(note), txn_id=session.txn_id or None
        )
        setup.cash.reject_escrow()
    elif isinstance(event, NoteReturned):
        ledger.record(sid, "note_returned", {"reason": event.reason}, txn_id=txn)


def book_unassigned_note(ledger: Ledger, session_id: str, state: str, event: NoteCredited) -> None:
    """A note stacked outside any cash session: never lost, queued and flagged."""
    amount = Money.from_minor(event.value_minor, event.currency)
    ledger.commit_money(
        session_id,
        "note_stacked_unassigned",
        {"state": state, "flagged": True},
        txn_id=str(uuid.uuid4()),
        txn_type="cash_deposit",
        amount=amount,
        tender={"type": "cash", "notes": {str(amount.amount): 1}},
        details={"reason": "unassigned_note", "flagged": True},
    )


def commit_card_payment(
    ledger: Ledger, session: CustomerSession, amount: Money, masked_pan: str, auth_code: str
) -> int:
    assert session.bill is not None
    return ledger.commit_money(
        session.session_id,
        PAYMENT_COMMITTED,
        {"bill_id": session.bill.bill_id, "tender": "card"},
        txn_id=session.txn_id,
        txn_type="card_payment",
        amount=amount,
        tender={"type": "card", "masked_pan": masked_pan, "auth_code": auth_code},
        details={
            **_payer(session),
            "bill_id": session.bill.bill_id,
            "amount_due": session.bill.amount_due.wire(),
        },
    )


def queue_reversal(
    ledger: Ledger, session_id: str, txn_id: str, amount: Money, masked_pan: str, reason: str
) -> None:
    """Releases an authorization's hold (a no-op at the core if there is none)."""
    ledger.commit_money(
        session_id,
        AUTH_REVERSED,
        {"original_txn_id": txn_id, "reason": reason},
        txn_id=reversal_txn_id(txn_id),
        txn_type="reversal",
        amount=amount,
        tender={"type": "card", "masked_pan": masked_pan},
        details={"original_txn_id": txn_id, "reason": reason},
    )
