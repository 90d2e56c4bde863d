"""The offline policy's decisions, the bill cache's limits and the provisional receipt mark."""

from __future__ import annotations

from dataclasses import replace

from drivers.printer.document import Cut, Document, Separator, Text
from kiosk.clock import FakeClock
from kiosk.money.offline_policy import (
    BillCache,
    available_offline,
    decide_bill_payment,
    provisional,
)
from tests.kiosk.journey_fixtures import BILL, ELECTRICITY, cny


def test_cash_within_the_offline_limit_proceeds_and_everything_else_is_refused() -> None:
    assert decide_bill_payment(ELECTRICITY, BILL).allowed
    assert decide_bill_payment(ELECTRICITY, BILL).message_id == "offline_payment_notice"
    at_limit = replace(BILL, amount_due=cny("500.00"))
    assert decide_bill_payment(ELECTRICITY, at_limit).allowed
    over = replace(BILL, amount_due=cny("500.01"))
    assert decide_bill_payment(ELECTRICITY, over).reason == "over_offline_limit"
    no_offline = replace(ELECTRICITY, offline_allowed=False)
    assert decide_bill_payment(no_offline, BILL).reason == "biller_offline_not_allowed"
    assert decide_bill_payment(ELECTRICITY, BILL, tender="card").reason == "card_needs_core"
    assert available_offline("cash_bill_payment") and available_offline("invoice_reprint")
    assert not available_offline("card_authorization")
    assert not available_offline("a_journey_added_next_year")  # must opt in explicitly


def test_the_cache_forgets_old_look_ups_and_bills_paid_here() -> None:
    clock = FakeClock()
    paid: set[str] = set()
    cache = BillCache(clock, paid_since=lambda since: paid, max_entries=2)
    cache.put("SGCC", "1234567890", (BILL,))
    assert cache.get("SGCC", "1234567890") == (BILL,)
    assert cache.get("SGCC", "0000000000") is None
    paid.add(BILL.bill_id)
    assert cache.get("SGCC", "1234567890") == ()
    paid.clear()
    clock.advance(24 * 3600 + 1)
    assert cache.get("SGCC", "1234567890") is None  # a day-old copy is not trusted
    for account in ("1", "2", "3"):
        cache.put("SGCC", account, (BILL,))
    assert cache.get("SGCC", "1") is None and cache.get("SGCC", "3") == (BILL,)


def test_a_provisional_receipt_says_so_under_the_title_and_before_the_footer() -> None:
    doc = Document(
        "bill_payment",
        "R-1",
        (Text("Receipt"), Separator(), Text("Paid 130.00"), Separator(), Text("R-1"), Cut()),
        {"reference": "R-1"},
    )
    marked = provisional(doc, "PENDING CONFIRMATION", "Offline payment: ...")
    texts = [b.text for b in marked.blocks if isinstance(b, Text)]
    assert texts == [
        "Receipt",
        "PENDING CONFIRMATION",
        "Paid 130.00",
        "Offline payment: ...",
        "R-1",
    ]
    assert marked.source == {"reference": "R-1", "provisional": True}
    assert doc.source == {"reference": "R-1"}  # the original is untouched
