"""Printable documents (receipts, slips, statements, technician reports) in zh_CN and en.

Each builder takes plain, JSON-able data plus a DocContext (language, kiosk id, local time,
paper columns) and returns a drivers.printer Document; the same Document becomes ESC/POS bytes
and a PNG preview. The data travels with the Document (`Document.source`) so the journal can
keep what a receipt said and the reprint journey can rebuild it, marked as a reprint.
"""

from __future__ import annotations

from kiosk.documents.common import DocContext, mask_pan, mask_phone
from kiosk.documents.rebuild import rebuild
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
from kiosk.documents.statement import StatementData, StatementEntry, statement
from kiosk.documents.technician import TechnicianReport, technician_report, test_page

__all__ = [
    "BalanceData",
    "CreditSlipData",
    "DocContext",
    "PaymentData",
    "StatementData",
    "StatementEntry",
    "TechnicianReport",
    "TopUpData",
    "balance_slip",
    "credit_slip",
    "mask_pan",
    "mask_phone",
    "payment_receipt",
    "rebuild",
    "statement",
    "technician_report",
    "test_page",
    "top_up_receipt",
]
