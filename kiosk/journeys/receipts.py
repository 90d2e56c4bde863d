"""Receipt and credit-slip documents for the bill-payment journey, in the session language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.printer.document import Align, Columns, Cut, Document, Feed, QrCode, Separator, Text

if TYPE_CHECKING:
    from kiosk.journeys.bill_payment import BillPaymentJourney

__all__ = ["Document", "credit_slip", "payment_receipt"]


def local_time(journey: BillPaymentJourney) -> str:
    """What the customer reads: the kiosk's local time, to the second."""
    return journey.clock.now().astimezone(journey.timezone).strftime("%Y-%m-%d %H:%M:%S")


def _header(journey: BillPaymentJourney, title_id: str) -> list:
    t, lang = journey.catalog.text, journey.session.lang
    session = journey.session
    assert session.biller is not None
    return [
        Text(t(lang, title_id), align=Align.CENTER, bold=True, double=True),
        Separator("="),
        Columns(t(lang, "receipt_kiosk"), journey.kiosk_id),
        Columns(t(lang, "receipt_time"), local_time(journey)),
        Columns(t(lang, "reference"), session.reference),
        Separator(),
        Columns(t(lang, "receipt_biller"), session.biller.name(lang)),
        Columns(t(lang, "receipt_account"), session.account),
    ]


def _footer(journey: BillPaymentJourney) -> list:
    t, lang = journey.catalog.text, journey.session.lang
    return [
        Separator(),
        QrCode(journey.session.txn_id),
        Text(journey.session.txn_id, align=Align.CENTER),
        Text(t(lang, "receipt_keep"), align=Align.CENTER),
        Feed(3),
        Cut(),
    ]


def payment_receipt(journey: BillPaymentJourney, seq: int) -> Document:
    t, lang = journey.catalog.text, journey.session.lang
    session = journey.session
    assert session.bill is not None and session.cash is not None
    paid, due = session.cash.total, session.bill.amount_due
    blocks = _header(journey, "receipt_title")
    blocks += [
        Columns(t(lang, "receipt_bill"), session.bill.bill_id),
        Columns(t(lang, "bill_period"), session.bill.period),
        Columns(t(lang, "bill_amount_due"), due.display()),
        Separator(),
        Columns(t(lang, "receipt_cash"), paid.display()),
    ]
    if paid > due:
        blocks.append(Columns(t(lang, "receipt_prepayment"), (paid - due).display()))
    blocks.append(Columns(t(lang, "receipt_total"), paid.display(), bold=True))
    blocks += _footer(journey)
    return Document(kind="bill_payment", reference=session.reference, blocks=tuple(blocks))


def credit_slip(journey: BillPaymentJourney, seq: int) -> Document:
    t, lang = journey.catalog.text, journey.session.lang
    session = journey.session
    assert session.cash is not None
    reason_id = {
        "timeout": "receipt_reason_timeout",
        "recovered": "receipt_reason_recovered",
    }.get(session.settle_reason, "receipt_reason_cancelled")
    blocks = _header(journey, "credit_slip_title")
    blocks += [
        Separator(),
        Columns(t(lang, "receipt_credited"), session.cash.total.display(), bold=True),
        Text(t(lang, reason_id)),
    ]
    blocks += _footer(journey)
    return Document(kind="credit_slip", reference=session.reference, blocks=tuple(blocks))
