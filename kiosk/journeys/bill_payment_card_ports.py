"""What paying a bill by card needs beyond the balance journey's ports, and its journal facts.

The authorization of a payment carries the amount and the kiosk's txn id: the core places a hold
under that id, the `card_payment` transaction with the same id captures it, and a `reversal`
naming it (details.original_txn_id) releases it. The reversal's own txn id is derived from the
authorization's, so the journey and start-up recovery can never queue two different reversals
for one authorization.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from drivers.card_reader.emv.card_data import CardData
from kiosk.money.amount import Money

# Journal kinds of the card path (all carry the authorization's txn id).
AUTH_REQUESTED = "card_auth_requested"  # written BEFORE the request leaves the kiosk
AUTH_ANSWERED = "card_authorized"  # the core's answer (approved or not), no secrets
AUTH_REVERSED = "card_auth_reversed"  # a reversal queued (journal + outbox, one transaction)
PAYMENT_COMMITTED = "payment_committed"  # the card_payment queued (data tender = "card")
_REVERSAL_NS = uuid.UUID("6f7d3a52-9c41-4b8e-a0f1-3c2b9e5d7a10")


def reversal_txn_id(auth_txn_id: str) -> str:
    """One reversal per authorization, whoever queues it (journey or recovery)."""
    return str(uuid.uuid5(_REVERSAL_NS, auth_txn_id))


class PaymentCorePort(Protocol):
    def request_payment(
        self,
        request_id: str,
        card: CardData,
        pin_block: str,
        pin_format: str,
        amount: Money,
        txn_id: str,
    ) -> None:
        """Online authorization, purpose "payment"; answers AuthorizeDone or CoreRequestFailed
        (kiosk.journeys.card_ports) with the same request id."""
        ...
