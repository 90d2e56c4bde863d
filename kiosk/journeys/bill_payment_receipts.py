"""The bill-payment journey's receipts: what the session holds -> kiosk.documents data -> Document.

The builders live in kiosk/documents (shared with top-up, balance, statement and reprint); this
module only knows where a bill payment keeps each field.
"""

from __future__ import annotations

from drivers.printer.document import Document
from kiosk.documents import CreditSlipData, DocContext, PaymentData
from kiosk.documents import credit_slip as build_credit_slip
from kiosk.documents import payment_receipt as build_payment_receipt
from kiosk.documents.common import mask_pan
from kiosk.journeys.session import CustomerSession
from kiosk.money.amount import Money


def cash_receipt(ctx: DocContext, session: CustomerSession) -> Document:
    assert session.bill is not None and session.cash is not None
    paid, due = session.cash.total, session.bill.amount_due
    prepayment = (paid - due).display() if paid > due else ""
    return build_payment_receipt(ctx, _payment(session, paid, prepayment=prepayment))


def card_receipt(
    ctx: DocContext, session: CustomerSession, amount: Money, masked_pan: str, auth_code: str
) -> Document:
    data = _payment(
        session, amount, tender="card", masked_pan=mask_pan(masked_pan), auth_code=auth_code
    )
    return build_payment_receipt(ctx, data)


def _payment(session: CustomerSession, paid: Money, **tender: str) -> PaymentData:
    assert session.bill is not None and session.biller is not None
    return PaymentData(
        reference=session.reference,
        txn_id=session.txn_id,
        biller=session.biller.name(session.lang),
        account=session.account,
        bill_id=session.bill.bill_id,
        period=session.bill.period,
        amount_due=session.bill.amount_due.display(),
        paid=paid.display(),
        **tender,
    )


def credit_slip(ctx: DocContext, session: CustomerSession) -> Document:
    assert session.cash is not None and session.biller is not None
    data = CreditSlipData(
        reference=session.reference,
        txn_id=session.txn_id,
        biller=session.biller.name(session.lang),
        account=session.account,
        credited=session.cash.total.display(),
        reason=session.settle_reason,
    )
    return build_credit_slip(ctx, data)
