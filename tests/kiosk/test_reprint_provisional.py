"""A reprint of a receipt taken offline still says PENDING CONFIRMATION, like the original."""

from __future__ import annotations

from dataclasses import asdict

from drivers.printer.document import Document, Text
from kiosk.documents.rebuild import rebuild
from kiosk.documents.receipts import PaymentData
from tests.drivers.printer_documents import TXN, ctx


def _texts(document: Document) -> list[str]:
    return [b.text for b in document.blocks if isinstance(b, Text)]


def test_the_pending_banner_survives_a_reprint() -> None:
    data = asdict(
        PaymentData(
            reference="kiosk-0001-000042",
            txn_id=TXN,
            biller="State Grid Electricity",
            account="1234567890",
            bill_id="B-SGCC-2026-10-0001",
            period="2026-10",
            amount_due="¥125.50",
            paid="¥150.00",
            prepayment="¥24.50",
        )
    )
    banner = ctx("en").t("offline_receipt_banner")
    copy = rebuild(ctx("en", reprint=True), "bill_payment", {**data, "provisional": True})
    assert banner in _texts(copy)
    plain = rebuild(ctx("en", reprint=True), "bill_payment", data)
    assert banner not in _texts(plain)
