"""Issue 19: a bill payment must pay the bill with an amount its biller allows (CORE_API.md):
the amount due, a declared partial amount where the biller takes partial payments (never 0.00,
never under the biller's minimum), or the amount due plus a declared prepayment - exactly the
`details` the kiosk's cash and card journeys send (amount_due, prepayment, partial)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.core_system.card_rig import Rig

SGCC = {"biller": "SGCC", "account": "1234567890", "bill_id": "B-SGCC-2026-10-0001"}  # 125.50
WATER = {"biller": "WATER", "account": "12345678", "bill_id": "B-WATER-2026-10-0001"}  # 45.00


def _cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


def _payment(bill: dict[str, str], amount: str, kind: str = "bill_payment", **extra: Any) -> dict:
    due = "125.50" if bill is SGCC else "45.00"
    return {
        "txn_id": str(uuid.uuid4()),
        "kiosk_id": "k1",
        "seq": 1,
        "type": kind,
        "created_at": "2026-11-23T08:15:00Z",
        "amount": amount,
        "currency": "CNY",
        "tender": {"type": "cash", "notes": {"100": 1}},
        "details": {**bill, "amount_due": _cny(due), **extra},
    }


@pytest.mark.parametrize(
    ("bill", "amount", "extra", "code"),
    [
        (SGCC, "0.00", {}, "AMOUNT_NOT_ALLOWED"),  # the audit's case: 0.00 "paid" 125.50
        (SGCC, "0.00", {"partial": True}, "AMOUNT_NOT_ALLOWED"),
        (SGCC, "100.00", {"partial": True}, "PARTIAL_NOT_ALLOWED"),
        (SGCC, "100.00", {}, "PARTIAL_NOT_ALLOWED"),
        (SGCC, "150.00", {}, "PREPAYMENT_MISMATCH"),  # overpaid without saying so
        (SGCC, "150.00", {"prepayment": _cny("20.00")}, "PREPAYMENT_MISMATCH"),
        (SGCC, "125.50", {"prepayment": {"amount": "-1", "currency": "CNY"}}, "MONEY_INVALID"),
        (SGCC, "5125.50", {"prepayment": _cny("5000.00")}, "AMOUNT_NOT_ALLOWED"),  # over max
        (SGCC, "125.50", {"amount_due": _cny("120.00")}, "BILL_MISMATCH"),
        (WATER, "20.00", {}, "PARTIAL_NOT_DECLARED"),
        (WATER, "0.50", {"partial": True}, "AMOUNT_NOT_ALLOWED"),  # under the biller's minimum
    ],
)
def test_an_amount_the_biller_does_not_allow_is_rejected_and_the_bill_stays_open(
    rig: Rig, bill: dict[str, str], amount: str, extra: dict[str, Any], code: str
) -> None:
    (result,) = rig.post(_payment(bill, amount, **extra))
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == code, result
    assert rig.store.bill_status(bill["bill_id"]) == "open"


def test_a_card_payment_of_nothing_is_rejected_too(rig: Rig) -> None:
    (result,) = rig.post(_payment(SGCC, "0.00", kind="card_payment"))
    assert (result["status"], result["error"]["code"]) == ("rejected", "AMOUNT_NOT_ALLOWED")


def test_the_amount_due_pays_the_bill(rig: Rig) -> None:
    (result,) = rig.post(_payment(SGCC, "125.50", prepayment=_cny("0.00")))
    assert result["status"] == "accepted"
    assert rig.store.bill_status(SGCC["bill_id"]) == "paid"


def test_an_overpayment_declared_as_prepayment_pays_the_bill(rig: Rig) -> None:
    (result,) = rig.post(_payment(SGCC, "150.00", prepayment=_cny("24.50")))
    assert result["status"] == "accepted"
    assert rig.store.bill_status(SGCC["bill_id"]) == "paid"


def test_a_declared_partial_payment_where_allowed_leaves_the_bill_open(rig: Rig) -> None:
    (result,) = rig.post(_payment(WATER, "20.00", partial=True, prepayment=_cny("0.00")))
    assert result["status"] == "accepted"
    assert rig.store.bill_status(WATER["bill_id"]) == "open"
