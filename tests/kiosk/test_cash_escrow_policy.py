"""The escrow policy: what happens to a note before it is stacked (it can still go back)."""

from __future__ import annotations

from kiosk.money.billing import Biller
from kiosk.money.cash.escrow_policy import decide
from tests.kiosk.journey_fixtures import cny

SGCC = Biller(
    code="SGCC",
    name_zh="国家电网",
    name_en="State Grid",
    account_pattern="^[0-9]{10}$",
    min_amount=cny("1.00"),
    max_amount=cny("300.00"),
    partial_allowed=False,
    offline_allowed=True,
    offline_limit=cny("200.00"),
)
GAS = Biller(**{**SGCC.__dict__, "code": "GAS", "offline_allowed": False})


def test_a_note_that_fits_the_bill_is_taken_without_questions() -> None:
    decision = decide(cny("50.00"), cny("0.00"), SGCC, due=cny("125.50"))
    assert decision.accept and not decision.needs_consent and decision.prepayment is None


def test_overpaying_note_needs_the_customers_consent_to_the_prepayment_first() -> None:
    decision = decide(cny("100.00"), cny("100.00"), SGCC, due=cny("125.50"))
    assert decision.accept and decision.needs_consent
    assert decision.prepayment == cny("74.50")
    agreed = decide(cny("100.00"), cny("100.00"), SGCC, due=cny("125.50"), consented=True)
    assert agreed.accept and not agreed.needs_consent


def test_limits_send_the_note_back() -> None:
    assert decide(cny("100.00"), cny("250.00"), SGCC, due=None).reason == "over_biller_limit"
    assert decide(cny("10.00"), cny("130.00"), SGCC, due=cny("125.50")).reason == "already_paid"


def test_offline_the_biller_offline_limit_applies_or_no_cash_at_all() -> None:
    offline = decide(cny("100.00"), cny("150.00"), SGCC, due=None, online=False)
    assert offline.reason == "over_offline_limit"
    assert decide(cny("100.00"), cny("100.00"), SGCC, due=None, online=False).accept
    assert decide(cny("10.00"), cny("0.00"), GAS, due=None, online=False).reason == (
        "offline_not_allowed"
    )
