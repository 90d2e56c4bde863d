"""Issue 19: an authorization is bound to (kiosk, txn_id, PAN, purpose, amount) - CORE_API.md
"What the core enforces". A used txn_id never lends its approval to another card or amount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.core_system.card_rig import PAN, PAN_2, Rig, new_txn


def test_a_used_txn_id_never_approves_another_card_amount_purpose_or_kiosk(rig: Rig) -> None:
    txn = new_txn()
    first = rig.authorize(txn_id=txn)
    assert first.status_code == 200 and first.json()["approved"]
    assert rig.issuer.balance(PAN) == Decimal("60.00")
    for other in (
        {"pan": PAN_2},
        {"amount": "99.00"},
        {"purpose": "balance", "amount": None},
        {"kiosk": "k2"},
    ):
        reply = rig.authorize(txn_id=txn, **other)  # type: ignore[arg-type]
        assert reply.status_code == 409, (other, reply.text)
        assert reply.json()["error"]["code"] == "IDEMPOTENCY_CONFLICT"
    assert rig.issuer.balance(PAN) == Decimal("60.00")
    assert rig.issuer.balance(PAN_2) == Decimal("100.50")  # no approval without a debit


def test_the_same_request_again_gets_the_same_answer_and_no_second_hold(rig: Rig) -> None:
    txn = new_txn()
    first = rig.authorize(txn_id=txn).json()
    again = rig.authorize(txn_id=txn).json()
    assert again == first
    assert rig.issuer.balance(PAN) == Decimal("60.00")


def test_a_declined_attempt_replayed_is_answered_alike_without_burning_a_try(rig: Rig) -> None:
    txn = new_txn()
    first = rig.authorize(txn_id=txn, pin="0000").json()
    assert first["reason"] == "WRONG_PIN" and first["tries_left"] == 2
    assert rig.authorize(txn_id=txn, pin="0000").json() == first
    assert rig.issuer.tries_left(PAN) == 2
    # Another PIN under the same txn_id is another request: refused, not checked.
    reply = rig.authorize(txn_id=txn)
    assert (reply.status_code, reply.json()["error"]["code"]) == (409, "IDEMPOTENCY_CONFLICT")


@pytest.mark.parametrize("amount", ["40.5", "40.50"])
def test_an_amount_written_differently_is_the_same_binding(rig: Rig, amount: str) -> None:
    txn = new_txn()
    first = rig.authorize(txn_id=txn, amount="40.50").json()
    assert rig.authorize(txn_id=txn, amount=amount).json() == first
