"""The money facts of an IC-card recharge, each written before the next device action.

`book_recharge` is the journal entry and its outbox record in one commit, made BEFORE the card is
written: `card_credit: pending` with the card's id, balance and counter as read, so a write that
fails or never answers leaves the credit in the journal (`pending_credits`), never lost.
"""

from __future__ import annotations

from drivers.cash.base import AcceptorStateChanged, NoteCredited, NoteInEscrow, NoteReturned
from drivers.coin.base import CoinCredited
from kiosk.journeys.cash_tally import CashTally
from kiosk.journeys.parts.base import Journal
from kiosk.journeys.topup_ic_card_ports import CreditJob, pending_credits
from kiosk.journeys.topup_ic_card_setup import RechargeSetup
from kiosk.journeys.topup_ic_card_states import RechargeSession
from kiosk.money.amount import Money
from kiosk.money.cash import escrow_policy
from kiosk.money.cash.coin_service import book_unassigned_coin

CASH_EVENTS = (NoteInEscrow, NoteCredited, NoteReturned, AcceptorStateChanged, CoinCredited)


def session_journal(setup: RechargeSetup, session: RechargeSession) -> Journal:
    """The journal a part of this session writes to (its entries stay this session's)."""

    def journal(kind: str, **data: object) -> None:
        setup.ledger.record(session.session_id, kind, data, txn_id=session.txn_id or None)

    return journal


def pending_for(setup: RechargeSetup, card_id: str) -> list[CreditJob]:
    """Credits booked for this card and not yet confirmed on it (oldest first)."""
    return pending_credits(setup.ledger.records(), card_id)


def book_recharge(setup: RechargeSetup, session: RechargeSession, tally: CashTally) -> int:
    """The top-up, booked with the credit still to be written; returns the journal sequence."""
    card = session.card
    assert card is not None
    return setup.ledger.commit_money(
        session.session_id,
        "payment_committed",
        {
            "journey": "ic_card",
            "card_credit": "pending",
            "card_id": card.card_id,
            "balance_before": card.balance_minor,
            "counter_before": card.counter,
            "amount_minor": tally.total.minor,
        },
        txn_id=session.txn_id,
        txn_type="topup",
        amount=tally.total,
        tender=tally.tender(),
        details={"product": setup.product.code, "account": card.card_id},
    )


def refuse_stray_cash(
    setup: RechargeSetup, session: RechargeSession, state: str, event: object
) -> None:
    """Cash outside the cash step: a note offered in escrow goes back (journaled first); a coin
    is already in the box, so it is booked at once as a flagged deposit."""
    if isinstance(event, NoteInEscrow):
        note = Money.from_minor(event.value_minor, event.currency)
        refused = escrow_policy.EscrowDecision(False, "not_accepting")
        data = refused.journal(note)
        txn_id = session.txn_id or None
        setup.ledger.record(session.session_id, "note_escrow_rejected", data, txn_id=txn_id)
        setup.cash.reject_escrow()
    elif isinstance(event, CoinCredited):
        book_unassigned_coin(setup.ledger, session.session_id, state, event)
        setup.sync.wake()
