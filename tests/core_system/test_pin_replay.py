"""Issue 19: the same captured PIN block was approved under three new txn_ids. Format 0 carries
no nonce, so until cryptograms arrive the core binds a verified block to its txn_id for a
window and rate-limits attempts per card; a customer's retry after WRONG_PIN (a new PIN, so a
new block) still works."""

from __future__ import annotations

from decimal import Decimal

from core_system.cards import CARD_ATTEMPT_WINDOW, CARD_ATTEMPTS, PIN_BLOCK_WINDOW
from tests.core_system.card_rig import PAN, Rig, new_txn


def test_a_verified_pin_block_under_a_new_txn_id_is_refused_within_the_window(rig: Rig) -> None:
    assert rig.authorize(txn_id=new_txn()).json()["approved"]
    for _ in range(2):
        replay = rig.authorize(txn_id=new_txn())
        assert replay.status_code == 409, replay.text
        assert replay.json()["error"]["code"] == "PIN_BLOCK_REPLAYED"
    assert rig.issuer.balance(PAN) == Decimal("60.00")  # one hold, not three
    assert rig.issuer.tries_left(PAN) == 3
    rig.clock.advance(PIN_BLOCK_WINDOW + 1)
    assert rig.authorize(txn_id=new_txn()).json()["approved"]


def test_a_retry_after_a_wrong_pin_is_a_new_block_and_goes_through(rig: Rig) -> None:
    wrong = rig.authorize(txn_id=new_txn(), pin="0000").json()
    assert wrong["reason"] == "WRONG_PIN"
    again = rig.authorize(txn_id=new_txn(), pin="0000").json()  # the same slip: a try counted
    assert again["reason"] == "WRONG_PIN" and again["tries_left"] == 1
    assert rig.authorize(txn_id=new_txn()).json()["approved"]


def test_attempts_per_card_are_rate_limited_with_retry_after(rig: Rig) -> None:
    for _ in range(CARD_ATTEMPTS):
        assert rig.authorize(purpose="balance", amount=None).json()["approved"]
    limited = rig.authorize(purpose="balance", amount=None)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "CARD_RATE_LIMITED"
    assert 0 < int(limited.headers["Retry-After"]) <= CARD_ATTEMPT_WINDOW
    # Another card is not held back by this one.
    assert rig.authorize(purpose="balance", amount=None, pan="4761730000000011").status_code == 200
    rig.clock.advance(CARD_ATTEMPT_WINDOW)
    assert rig.authorize(purpose="balance", amount=None).json()["approved"]
