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


def test_top_up_and_ic_card_receipts_rebuild_for_a_reprint() -> None:
    """Every receipt a journey prints can be reprinted: its kind has a builder."""
    from kiosk.documents import DocContext, rebuild
    from kiosk.documents.ic_card import IcPendingData, IcRechargeData
    from kiosk.documents.receipts import TopUpData
    from kiosk.i18n import load_catalog

    ctx = DocContext(load_catalog(), "en", "kiosk-test", "2026-12-04 10:00:00", reprint=True)
    top_up = TopUpData("kiosk-test-000009", "t-1", "Mobile phone", "138****8000", "¥70.00")
    ic = IcRechargeData("kiosk-test-000010", "t-2", "Gas card", "GC-1", "¥20.00", "¥25.00")
    pending = IcPendingData("kiosk-test-000011", "t-3", "Gas card", "GC-1", "¥10.00")
    for kind, data in (("top_up", top_up), ("ic_recharge", ic), ("ic_pending", pending)):
        copy = rebuild(ctx, kind, data.__dict__)
        texts = " ".join(getattr(b, "text", "") for b in copy.blocks)
        assert copy.kind == kind and "*** REPRINT ***" in texts, kind
        assert data.reference in texts and data.amount in " ".join(
            getattr(b, "right", "") for b in copy.blocks
        )
