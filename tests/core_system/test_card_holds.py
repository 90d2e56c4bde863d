"""Issue 19: a kiosk can reverse (or capture) only its own card holds; a reversal names an
original of the same kiosk (CORE_API.md "What the core enforces")."""

from __future__ import annotations

from decimal import Decimal

from tests.core_system.card_rig import PAN, Rig, card_txn, new_txn


def test_another_kiosk_cannot_reverse_a_hold(rig: Rig) -> None:
    txn = new_txn()
    assert rig.authorize(txn_id=txn).json()["approved"]
    assert rig.issuer.balance(PAN) == Decimal("60.00")
    foreign = card_txn(new_txn(), 1, "reversal", "40.50", {"original_txn_id": txn}, kiosk="k2")
    (result,) = rig.post(foreign, kiosk="k2")
    assert result["status"] == "rejected" and result["error"]["code"] == "ORIGINAL_NOT_OWN"
    assert rig.issuer.hold_state(txn) == "held" and rig.issuer.balance(PAN) == Decimal("60.00")
    own = card_txn(new_txn(), 1, "reversal", "40.50", {"original_txn_id": txn})
    assert rig.post(own)[0]["status"] == "accepted"
    assert rig.issuer.hold_state(txn) == "reversed"


def test_another_kiosk_cannot_reverse_a_booked_transaction(rig: Rig) -> None:
    txn = new_txn()
    assert rig.authorize(txn_id=txn).json()["approved"]
    assert rig.post(card_txn(txn, 1, "card_payment", "40.50", {}))[0]["status"] == "accepted"
    foreign = card_txn(new_txn(), 1, "reversal", "40.50", {"original_txn_id": txn}, kiosk="k2")
    assert rig.post(foreign, kiosk="k2")[0]["error"]["code"] == "ORIGINAL_NOT_OWN"


def test_another_kiosk_cannot_capture_a_hold(rig: Rig) -> None:
    txn = new_txn()
    assert rig.authorize(txn_id=txn).json()["approved"]
    (result,) = rig.post(card_txn(txn, 1, "card_payment", "40.50", {}, kiosk="k2"), kiosk="k2")
    assert result["status"] == "rejected" and result["error"]["code"] == "HOLD_NOT_OWN"
    assert rig.issuer.hold_state(txn) == "held"
    # The owner's capture still goes through afterwards.
    assert rig.post(card_txn(txn, 1, "card_payment", "40.50", {}))[0]["status"] == "accepted"


def test_a_capture_must_be_for_the_amount_held(rig: Rig) -> None:
    txn = new_txn()
    assert rig.authorize(txn_id=txn).json()["approved"]
    (result,) = rig.post(card_txn(txn, 1, "card_payment", "400.50", {}))
    assert result["status"] == "rejected" and result["error"]["code"] == "HOLD_MISMATCH"
    assert rig.issuer.hold_state(txn) == "held"


def test_a_reversal_of_an_unknown_authorization_is_a_no_op_and_one_without_original_is_refused(
    rig: Rig,
) -> None:
    # The kiosk reverses an approval it cannot see settled, even one that never reached us.
    unknown = card_txn(new_txn(), 1, "reversal", "1.00", {"original_txn_id": new_txn()})
    assert rig.post(unknown)[0]["status"] == "accepted"
    (bare,) = rig.post(card_txn(new_txn(), 2, "reversal", "1.00", {}))
    assert bare["status"] == "rejected" and bare["error"]["code"] == "VALIDATION_FAILED"
