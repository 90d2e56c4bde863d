"""Start-up recovery for card payments: no customer is charged without a receipted payment.

A card authorization is journaled (with its txn id) before it is sent. If the kiosk died after
that but before the outcome was settled - the core's answer never journaled, or an approval
journaled but the card_payment never committed - the core may hold the customer's money. Each
such authorization gets exactly one `reversal` queued (journal + outbox in one transaction, its
txn id derived from the authorization's), which the core applies once; an authorization already
committed, declined or reversed is left alone, so running recovery twice reverses nothing twice.
"""

from __future__ import annotations

import logging

from kiosk.journeys.bill_payment_card_ports import (
    AUTH_ANSWERED,
    AUTH_REQUESTED,
    AUTH_REVERSED,
    PAYMENT_COMMITTED,
    reversal_txn_id,
)
from kiosk.money.amount import Money
from kiosk.money.journal import JournalRecord
from kiosk.money.ledger import Ledger

log = logging.getLogger(__name__)


def unsettled_authorizations(records: list[JournalRecord]) -> list[JournalRecord]:
    """The AUTH_REQUESTED records with no commit, no decline and no reversal after them."""
    requested = {r.txn_id: r for r in records if r.kind == AUTH_REQUESTED and r.txn_id}
    settled: set[object] = set()
    for r in records:
        if r.kind == PAYMENT_COMMITTED or (r.kind == AUTH_ANSWERED and not r.data.get("approved")):
            settled.add(r.txn_id)
        elif r.kind == AUTH_REVERSED:
            settled.add(r.data.get("original_txn_id"))
    return [r for txn_id, r in requested.items() if txn_id not in settled]


def reverse_unsettled(ledger: Ledger, records: list[JournalRecord]) -> list[str]:
    """Queues one reversal per unsettled authorization; returns their original txn ids."""
    reversed_ids: list[str] = []
    for request in unsettled_authorizations(records):
        txn_id = request.txn_id
        assert txn_id is not None
        wire = request.data["amount"]
        ledger.commit_money(
            request.session_id,
            AUTH_REVERSED,
            {"original_txn_id": txn_id, "reason": "recovered"},
            txn_id=reversal_txn_id(txn_id),
            txn_type="reversal",
            amount=Money.parse(wire["amount"], wire["currency"]),
            tender={"type": "card", "masked_pan": request.data.get("masked_pan", "")},
            details={"original_txn_id": txn_id, "reason": "recovered"},
        )
        ledger.record(request.session_id, "recovery", {"flag": "card_auth_reversed"}, txn_id=txn_id)
        log.warning("recovery: card authorization %s reversed (outcome never settled)", txn_id)
        reversed_ids.append(txn_id)
    return reversed_ids
