"""Demo data for the reference core: three billers and a few accounts.

Billers (all CNY, min 1.00, max 5000.00):
  SGCC   国家电网 / State Grid Electricity  account 10 digits  offline allowed up to 500.00,
         partial payment not allowed
  WATER  自来水公司 / City Water             account 8 digits   offline allowed up to 200.00,
         partial payment allowed
  GAS    燃气公司 / City Gas                 account 9 digits   offline NOT allowed

Accounts:
  SGCC  1234567890  张*明  one open bill: 125.50, period 2026-10, due 2026-11-30
  SGCC  9876543210  李*华  two open bills: 88.20 (2026-09, due 2026-10-31),
                           96.40 (2026-10, due 2026-11-30)
  SGCC  1111111111  王*    no open bills (its 2026-10 bill is already paid)
  WATER 12345678    陈*芳  one open bill: 45.00, period 2026-10, due 2026-11-25
  GAS   123456789   刘*强  one open bill: 210.30, period 2026-10, due 2026-12-05
Any other well-formed account number is unknown (404 UNKNOWN_ACCOUNT).

Each demo bill is printed with a barcode (docs/bill_barcode.md): `bill_code(bill)` makes its
text. CORE_API.md says nothing of bill barcodes, so the `/v1/bills` reply is unchanged; the demo,
its panel and the tests take the codes from here, as a customer takes them from the paper bill.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kiosk.money.amount import Money
from kiosk.money.bill_code import BillCode
from kiosk.money.billing import Bill, Biller


def _cny(amount: str) -> Money:
    return Money(Decimal(amount), "CNY")


@dataclass(frozen=True)
class DemoAccount:
    biller: str
    account: str
    holder: str
    bills: tuple[Bill, ...]
    paid: tuple[Bill, ...] = ()


def _biller(
    code: str, zh: str, en: str, digits: int, *, partial: bool, offline: str | None
) -> Biller:
    """CNY 1.00-5000.00; `offline` is the offline acceptance limit, None when not allowed."""
    return Biller(
        code=code,
        name_zh=zh,
        name_en=en,
        account_pattern=f"^[0-9]{{{digits}}}$",
        min_amount=_cny("1.00"),
        max_amount=_cny("5000.00"),
        partial_allowed=partial,
        offline_allowed=offline is not None,
        offline_limit=_cny(offline or "0.00"),
    )


DEMO_BILLERS: tuple[Biller, ...] = (
    _biller("SGCC", "国家电网", "State Grid Electricity", 10, partial=False, offline="500.00"),
    _biller("WATER", "自来水公司", "City Water", 8, partial=True, offline="200.00"),
    _biller("GAS", "燃气公司", "City Gas", 9, partial=False, offline=None),
)


def _bill(
    bill_id: str, biller: str, account: str, holder: str, period: str, amount: str, due: str
) -> Bill:
    return Bill(bill_id, biller, account, holder, period, _cny(amount), date.fromisoformat(due))


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "SGCC",
        "1234567890",
        "张*明",
        (
            _bill(
                "B-SGCC-2026-10-0001",
                "SGCC",
                "1234567890",
                "张*明",
                "2026-10",
                "125.50",
                "2026-11-30",
            ),
        ),
    ),
    DemoAccount(
        "SGCC",
        "9876543210",
        "李*华",
        (
            _bill(
                "B-SGCC-2026-09-0002",
                "SGCC",
                "9876543210",
                "李*华",
                "2026-09",
                "88.20",
                "2026-10-31",
            ),
            _bill(
                "B-SGCC-2026-10-0002",
                "SGCC",
                "9876543210",
                "李*华",
                "2026-10",
                "96.40",
                "2026-11-30",
            ),
        ),
    ),
    DemoAccount(
        "SGCC",
        "1111111111",
        "王*",
        (),
        paid=(
            _bill(
                "B-SGCC-2026-10-0003", "SGCC", "1111111111", "王*", "2026-10", "60.00", "2026-11-30"
            ),
        ),
    ),
    DemoAccount(
        "WATER",
        "12345678",
        "陈*芳",
        (
            _bill(
                "B-WATER-2026-10-0001",
                "WATER",
                "12345678",
                "陈*芳",
                "2026-10",
                "45.00",
                "2026-11-25",
            ),
        ),
    ),
    DemoAccount(
        "GAS",
        "123456789",
        "刘*强",
        (
            _bill(
                "B-GAS-2026-10-0001", "GAS", "123456789", "刘*强", "2026-10", "210.30", "2026-12-05"
            ),
        ),
    ),
)


def bill_code(bill: Bill) -> str:
    """The text of the barcode printed on `bill` (demo only: not part of the core's API)."""
    code = BillCode(bill.biller, bill.account, bill.amount_due.minor, bill.bill_id)
    return code.text()


def demo_bill_codes() -> dict[str, str]:
    """bill_id -> barcode text, for every open demo bill."""
    return {b.bill_id: bill_code(b) for acc in DEMO_ACCOUNTS for b in acc.bills}
