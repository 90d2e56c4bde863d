"""Bill payment, credit slip, top-up and balance slips."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from drivers.printer.document import Block, Columns, Document, Text
from kiosk.documents.common import DocContext, footer, header


@dataclass(frozen=True)
class PaymentData:
    reference: str
    txn_id: str
    biller: str
    account: str
    bill_id: str
    period: str
    amount_due: str  # display strings ("¥125.50"): what the customer read on the screen
    paid: str
    prepayment: str = ""  # "" when the customer paid exactly
    tender: str = "cash"  # cash | card
    masked_pan: str = ""  # card tender only, already masked
    auth_code: str = ""  # card tender only: the issuer's approval code


@dataclass(frozen=True)
class CreditSlipData:
    reference: str
    txn_id: str
    biller: str
    account: str
    credited: str
    reason: str  # timeout | cancelled | recovered | device_fault


@dataclass(frozen=True)
class TopUpData:
    reference: str
    txn_id: str
    operator: str
    phone: str  # already masked
    amount: str
    tender: str = "cash"
    masked_pan: str = ""


@dataclass(frozen=True)
class BalanceData:
    reference: str
    txn_id: str
    masked_pan: str
    available: str
    ledger: str = ""  # "" when the issuer answers the available balance only (card inquiry)


def _doc(kind: str, data: object, blocks: list[Block], reference: str) -> Document:
    return Document(kind=kind, reference=reference, blocks=tuple(blocks), source=asdict(data))


def _tender(
    ctx: DocContext, tender: str, masked_pan: str, amount: str, auth_code: str = ""
) -> list[Block]:
    if tender == "card":
        blocks = [Columns(ctx.t("doc_card"), masked_pan), Columns(ctx.t("doc_card_paid"), amount)]
        if auth_code:
            blocks.append(Columns(ctx.t("doc_auth_code"), auth_code))
        return blocks
    return [Columns(ctx.t("receipt_cash"), amount)]


def payment_receipt(ctx: DocContext, d: PaymentData) -> Document:
    blocks = header(ctx, "receipt_title", d.reference, d.txn_id)
    blocks += [
        Columns(ctx.t("receipt_biller"), d.biller),
        Columns(ctx.t("receipt_account"), d.account),
        Columns(ctx.t("receipt_bill"), d.bill_id),
        Columns(ctx.t("bill_period"), d.period),
        Columns(ctx.t("bill_amount_due"), d.amount_due),
        *_tender(ctx, d.tender, d.masked_pan, d.paid, d.auth_code),
    ]
    if d.prepayment:
        blocks.append(Columns(ctx.t("receipt_prepayment"), d.prepayment))
    blocks.append(Columns(ctx.t("receipt_total"), d.paid, bold=True))
    blocks += footer(ctx, d.reference)
    return _doc("bill_payment", d, blocks, d.reference)


REASONS = {
    "timeout": "receipt_reason_timeout",
    "recovered": "receipt_reason_recovered",
    "device_fault": "doc_reason_device_fault",
}


def credit_slip(ctx: DocContext, d: CreditSlipData) -> Document:
    blocks = header(ctx, "credit_slip_title", d.reference, d.txn_id)
    blocks += [
        Columns(ctx.t("receipt_biller"), d.biller),
        Columns(ctx.t("receipt_account"), d.account),
        Columns(ctx.t("receipt_credited"), d.credited, bold=True),
        Text(ctx.t(REASONS.get(d.reason, "receipt_reason_cancelled"))),
    ]
    blocks += footer(ctx, d.reference)
    return _doc("credit_slip", d, blocks, d.reference)


def top_up_receipt(ctx: DocContext, d: TopUpData) -> Document:
    blocks = header(ctx, "doc_topup_title", d.reference, d.txn_id)
    blocks += [
        Columns(ctx.t("doc_operator"), d.operator),
        Columns(ctx.t("doc_phone"), d.phone),
        *_tender(ctx, d.tender, d.masked_pan, d.amount),
        Columns(ctx.t("doc_topup_amount"), d.amount, bold=True),
    ]
    blocks += footer(ctx, d.reference)
    return _doc("top_up", d, blocks, d.reference)


def balance_slip(ctx: DocContext, d: BalanceData) -> Document:
    blocks = header(ctx, "doc_balance_title", d.reference, d.txn_id)
    blocks.append(Columns(ctx.t("doc_card"), d.masked_pan))
    if d.ledger:
        blocks.append(Columns(ctx.t("doc_ledger_balance"), d.ledger))
    blocks.append(Columns(ctx.t("doc_available"), d.available, bold=True))
    blocks += footer(ctx, d.reference)
    return _doc("balance", d, blocks, d.reference)
