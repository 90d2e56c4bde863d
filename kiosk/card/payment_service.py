"""The core adapter for paying by card: CardCoreService plus purpose "payment" with an amount.

Runs on the same worker thread and answers with the same events as the balance journey's
authorisations, so the journeys share one parser of the core's reply. Only the PIN block the pad
produced is sent; the amount and the kiosk's txn id let the core hold the money idempotently.
"""

from __future__ import annotations

from typing import Any

from kiosk.card.services import CardCoreService
from kiosk.money.amount import Money


class CardPaymentCoreService(CardCoreService):
    def request_payment(
        self,
        request_id: str,
        card: Any,
        pin_block: str,
        pin_format: str,
        amount: Money,
        txn_id: str,
    ) -> None:
        body = {
            "track2": card.track2.text(),
            "pan_sequence": card.pan_sequence,
            "pin_block": pin_block,
            "pin_format": pin_format,
            "purpose": "payment",
            "amount": amount.wire(),
            "txn_id": txn_id,
        }
        self._worker.submit(lambda: self._run(request_id, lambda: self._authorize(body)))
