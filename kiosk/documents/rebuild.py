"""Rebuild a document from its journaled (or core-supplied) data, for the reprint journey."""

from __future__ import annotations

from typing import Any

from drivers.printer.document import Document
from kiosk.documents.common import DocContext
from kiosk.documents.ic_card import (
    IcPendingData,
    IcRechargeData,
    ic_pending_slip,
    ic_recharge_receipt,
)
from kiosk.documents.receipts import (
    BalanceData,
    CreditSlipData,
    PaymentData,
    TopUpData,
    balance_slip,
    credit_slip,
    payment_receipt,
    top_up_receipt,
)
from kiosk.documents.statement import StatementData, statement
from kiosk.documents.technician import TechnicianReport, technician_report
from kiosk.errors import KioskError
from kiosk.money.offline_policy import provisional


class UnknownDocumentError(KioskError):
    code = "DOCUMENT_UNKNOWN"


def rebuild(ctx: DocContext, kind: str, data: dict[str, Any]) -> Document:
    """The same builder as the original print; ctx.reprint marks it as a copy.

    A receipt printed while the core was unreachable keeps its PENDING CONFIRMATION banner on
    every copy: the reprint must not look more final than the original.
    """
    data = dict(data)
    if data.pop("provisional", False):
        document = rebuild(ctx, kind, data)
        banner, note = ctx.t("offline_receipt_banner"), ctx.t("offline_receipt_note")
        return provisional(document, banner, note)
    try:
        if kind == "bill_payment":
            return payment_receipt(ctx, PaymentData(**data))
        if kind == "credit_slip":
            return credit_slip(ctx, CreditSlipData(**data))
        if kind == "top_up":
            return top_up_receipt(ctx, TopUpData(**data))
        if kind == "ic_recharge":
            return ic_recharge_receipt(ctx, IcRechargeData(**data))
        if kind == "ic_pending":
            return ic_pending_slip(ctx, IcPendingData(**data))
        if kind == "balance":
            return balance_slip(ctx, BalanceData(**data))
        if kind == "statement":
            return statement(ctx, StatementData.from_wire(data))
        if kind == "technician_report":
            return technician_report(ctx, TechnicianReport.from_wire(data))
    except TypeError as exc:  # fields missing or extra: data from another software version
        raise UnknownDocumentError(f"cannot rebuild {kind}: {exc}") from exc
    raise UnknownDocumentError(f"no builder for document kind {kind!r}")
