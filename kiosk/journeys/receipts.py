"""The bill-payment journey's receipts: journey state -> kiosk.documents data -> Document.

The builders live in kiosk/documents (shared with top-up, balance, statement and reprint); this
module only knows where the journey keeps each field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.printer.document import Document
from kiosk.documents import (
    CreditSlipData,
    DocContext,
    PaymentData,
)
from kiosk.documents import credit_slip as build_credit_slip
from kiosk.documents import payment_receipt as build_payment_receipt

if TYPE_CHECKING:
    from kiosk.journeys.bill_payment import BillPaymentJourney

__all__ = ["Document", "context", "credit_slip", "payment_receipt"]


def local_time(journey: BillPaymentJourney) -> str:
    """What the customer reads: the kiosk's local time, to the second."""
    return journey.clock.now().astimezone(journey.timezone).strftime("%Y-%m-%d %H:%M:%S")


def context(journey: BillPaymentJourney) -> DocContext:
    columns = getattr(journey, "receipt_columns", 48)
    return DocContext(
        journey.catalog, journey.session.lang, journey.kiosk_id, local_time(journey), columns
    )


def payment_receipt(journey: BillPaymentJourney, seq: int) -> Document:
    session = journey.session
    assert session.bill is not None and session.cash is not None and session.biller is not None
    paid, due = session.cash.total, session.bill.amount_due
    data = PaymentData(
        reference=session.reference,
        txn_id=session.txn_id,
        biller=session.biller.name(session.lang),
        account=session.account,
        bill_id=session.bill.bill_id,
        period=session.bill.period,
        amount_due=due.display(),
        paid=paid.display(),
        prepayment=(paid - due).display() if paid > due else "",
    )
    return build_payment_receipt(context(journey), data)


def credit_slip(journey: BillPaymentJourney, seq: int) -> Document:
    session = journey.session
    assert session.cash is not None and session.biller is not None
    data = CreditSlipData(
        reference=session.reference,
        txn_id=session.txn_id,
        biller=session.biller.name(session.lang),
        account=session.account,
        credited=session.cash.total.display(),
        reason=session.settle_reason,
    )
    return build_credit_slip(context(journey), data)
