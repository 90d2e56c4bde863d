"""What paying a bill by card needs beyond the balance journey's ports, and its journal facts.

The authorization of a payment carries the amount and the kiosk's txn id: the core places a hold
under that id, the `card_payment` transaction with the same id captures it, and a `reversal`
naming it (details.original_txn_id) releases it. The reversal's own txn id is derived from the
authorization's, so the journey and start-up recovery can never queue two different reversals
for one authorization.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
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


@dataclass
class CardPayment:
    """The card part of one customer's bill payment (lives as long as that customer session)."""

    session_id: str
    amount: Money
    request_id: str = ""
    card: CardData | None = field(default=None, repr=False)
    card_present: bool = False
    swiped: bool = False  # read from the stripe head: the customer holds the card throughout
    app_aids: tuple[str, ...] = ()
    app_labels: tuple[str, ...] = ()
    pin_digits: int = 0
    auth_code: str = ""
    approved: bool = False
    message_id: str = ""  # shown on the card screens (wrong PIN, digit entered)
    tries_left: int | None = None
    after_take: str = ""  # "print" (paid) or "bill" (back to the bill, pay another way)
    after_message: str = ""  # the explanation shown on the bill screen afterwards
