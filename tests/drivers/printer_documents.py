"""Sample documents with fixed data, shared by the golden byte tests, the statement tests,
the PNG previews and bench/printer.py."""

from __future__ import annotations

from datetime import date, timedelta

from drivers.printer.document import Document
from kiosk.documents import (
    BalanceData,
    CreditSlipData,
    DocContext,
    PaymentData,
    StatementData,
    StatementEntry,
    TechnicianReport,
    TopUpData,
    balance_slip,
    credit_slip,
    mask_pan,
    mask_phone,
    payment_receipt,
    statement,
    technician_report,
    test_page,
    top_up_receipt,
)
from kiosk.documents.technician import DeviceLine
from kiosk.i18n import load_catalog

CATALOG = load_catalog()
TXN = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"
PAN = "6222021234567890123"


def ctx(lang: str, columns: int = 48, reprint: bool = False) -> DocContext:
    return DocContext(CATALOG, lang, "kiosk-0001", "2026-11-23 14:05:09", columns, reprint)


def payment(lang: str, columns: int = 48) -> Document:
    biller = "国家电网" if lang == "zh_CN" else "State Grid Electricity"
    data = PaymentData(
        reference="kiosk-0001-000042",
        txn_id=TXN,
        biller=biller,
        account="1234567890",
        bill_id="B-SGCC-2026-10-0001",
        period="2026-10",
        amount_due="¥125.50",
        paid="¥150.00",
        prepayment="¥24.50",
    )
    return payment_receipt(ctx(lang, columns), data)


def card_payment(lang: str) -> Document:
    data = PaymentData(
        "kiosk-0001-000043",
        TXN,
        "北京自来水 Beijing Water",
        "88001234",
        "B-W-1",
        "2026-10",
        "¥1,234.56",
        "¥1,234.56",
        tender="card",
        masked_pan=mask_pan(PAN),
    )
    return payment_receipt(ctx(lang), data)


def credit(lang: str) -> Document:
    data = CreditSlipData("kiosk-0001-000044", TXN, "国家电网", "1234567890", "¥100.00", "timeout")
    return credit_slip(ctx(lang), data)


def top_up(lang: str) -> Document:
    data = TopUpData(
        "kiosk-0001-000045", TXN, "中国移动 China Mobile", mask_phone("13812345678"), "¥50.00"
    )
    return top_up_receipt(ctx(lang), data)


def balance(lang: str) -> Document:
    data = BalanceData("kiosk-0001-000046", TXN, mask_pan(PAN), "¥12,345.67", "¥12,845.67")
    return balance_slip(ctx(lang), data)


DESCRIPTIONS = (
    ("国家电网电费 State Grid electricity", "-¥125.50"),
    ("工资 Salary November", "¥12,500.00"),
    ("ATM 取款 Cash withdrawal at kiosk-0001 lobby", "-¥2,000.00"),
    ("微信支付 WeChat Pay 美团外卖订单", "-¥38.60"),
    ("利息 Interest", "¥3.21"),
)


def statement_data(entries: int = 200) -> StatementData:
    rows = []
    for i in range(entries):
        desc, amount = DESCRIPTIONS[i % len(DESCRIPTIONS)]
        day = date(2026, 9, 1) + timedelta(days=i * 90 // max(entries, 1))
        rows.append(StatementEntry(day.isoformat(), desc, amount))
    return StatementData(
        reference="kiosk-0001-000047",
        account=mask_pan(PAN),
        period_from="2026-09-01",
        period_to="2026-11-30",
        opening="¥8,000.00",
        closing="¥13,123.45",
        entries=tuple(rows),
    )


def statement_doc(lang: str, entries: int = 200, columns: int = 48) -> Document:
    return statement(ctx(lang, columns), statement_data(entries))


def tech_report(lang: str) -> Document:
    report = TechnicianReport(
        "kiosk-0001-T0001",
        "T-007",
        (
            DeviceLine(
                "printer",
                "user_error",
                "paper out",
                {"paper": "paper_out"},
                {"receipts_printed": 1042, "print_failures": 3},
            ),
            DeviceLine("cash", "online", "", {"cashbox": "312 notes"}, {"notes_stacked": 312}),
        ),
    )
    return technician_report(ctx(lang), report)


def all_documents() -> dict[str, Document]:
    docs: dict[str, Document] = {}
    for lang in ("zh_CN", "en"):
        docs[f"bill_payment_{lang}"] = payment(lang)
        docs[f"card_payment_{lang}"] = card_payment(lang)
        docs[f"credit_slip_{lang}"] = credit(lang)
        docs[f"top_up_{lang}"] = top_up(lang)
        docs[f"balance_{lang}"] = balance(lang)
        docs[f"statement_{lang}"] = statement_doc(lang, entries=30)
        docs[f"technician_report_{lang}"] = tech_report(lang)
        docs[f"test_page_{lang}"] = test_page(ctx(lang), "kiosk-0001-T0002")
    docs["bill_payment_zh_CN_58mm"] = payment("zh_CN", columns=32)
    docs["bill_payment_en_reprint"] = payment_receipt(
        ctx("en", reprint=True), PaymentData(**payment("en").source)
    )
    return docs
