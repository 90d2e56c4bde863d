"""The reference core's card payments over real HTTP: hold on approval, capture by the
card_payment transaction, release by a reversal - each once, whatever the kiosk repeats."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from core_system.cards import CardIssuer
from core_system.server import CoreServer
from core_system.store import Store
from drivers.pinpad.pinblock import format0_encrypt
from kiosk.clock import FakeClock

TDES = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
PAN = "6228480012345678903"
TRACK2 = f"{PAN}D3012220000000000"
HEADERS = {"X-Kiosk-Id": "k1", "Authorization": "Bearer t1"}


@pytest.fixture
def core(tmp_path: Path) -> Iterator[tuple[str, CardIssuer]]:
    clock = FakeClock()
    issuer = CardIssuer(clock, {"k1": ("iso0", TDES)}, auto_enrol=False)
    issuer.enrol(PAN, "4321", "100.50")
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens={"k1": "t1"}, clock=clock, cards=issuer)
    url = server.start()
    try:
        yield url, issuer
    finally:
        server.stop()


def _pay(url: str, txn_id: str, amount: str, pin: str = "4321") -> requests.Response:
    return requests.post(
        f"{url}/v1/cards/authorize",
        json={
            "track2": TRACK2,
            "pan_sequence": "01",
            "pin_block": format0_encrypt(pin, PAN, TDES).hex(),
            "purpose": "payment",
            "amount": {"amount": amount, "currency": "CNY"},
            "txn_id": txn_id,
        },
        headers=HEADERS,
        timeout=5,
    )


def _txn(txn_id: str, seq: int, kind: str, amount: str, details: dict) -> dict:
    return {
        "txn_id": txn_id,
        "kiosk_id": "k1",
        "seq": seq,
        "type": kind,
        "created_at": "2026-11-23T08:15:00Z",
        "amount": amount,
        "currency": "CNY",
        "tender": {"type": "card", "masked_pan": "622848*********8903", "auth_code": "x"},
        "details": details,
    }


def _post(url: str, *items: dict) -> list[dict]:
    reply = requests.post(
        f"{url}/v1/transactions", json={"transactions": list(items)}, headers=HEADERS, timeout=5
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["results"]


def test_approval_holds_once_and_a_reversal_releases_once(core: tuple[str, CardIssuer]) -> None:
    url, issuer = core
    txn = str(uuid.uuid4())
    first = _pay(url, txn, "40.50").json()
    assert first["approved"] and first["auth_code"]
    assert issuer.balance(PAN) == Decimal("60.00")
    again = _pay(url, txn, "40.50").json()  # the kiosk asks again: same answer, no second hold
    assert again["auth_code"] == first["auth_code"] and issuer.balance(PAN) == Decimal("60.00")
    reversal = _txn(str(uuid.uuid4()), 1, "reversal", "40.50", {"original_txn_id": txn})
    assert _post(url, reversal)[0]["status"] == "accepted"
    assert issuer.balance(PAN) == Decimal("100.50") and issuer.hold_state(txn) == "reversed"
    assert _post(url, reversal)[0]["status"] == "duplicate"
    assert issuer.balance(PAN) == Decimal("100.50")  # refunded once


def test_card_payment_captures_and_a_later_reversal_refunds_nothing(
    core: tuple[str, CardIssuer],
) -> None:
    url, issuer = core
    txn = str(uuid.uuid4())
    assert _pay(url, txn, "100.00").json()["approved"]
    assert _post(url, _txn(txn, 1, "card_payment", "100.00", {}))[0]["status"] == "accepted"
    assert issuer.hold_state(txn) == "captured"
    late = _txn(str(uuid.uuid4()), 2, "reversal", "100.00", {"original_txn_id": txn})
    assert _post(url, late)[0]["status"] == "accepted"
    assert issuer.balance(PAN) == Decimal("0.50")


def test_insufficient_funds_is_declined_without_a_hold(core: tuple[str, CardIssuer]) -> None:
    url, issuer = core
    txn = str(uuid.uuid4())
    reply = _pay(url, txn, "100.51").json()
    assert not reply["approved"] and reply["reason"] == "INSUFFICIENT_FUNDS"
    assert issuer.balance(PAN) == Decimal("100.50") and issuer.hold_state(txn) is None


def test_payment_without_amount_or_txn_id_is_refused(core: tuple[str, CardIssuer]) -> None:
    url, _ = core
    reply = _pay(url, "not-a-uuid", "1.00")
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "VALIDATION_FAILED"
