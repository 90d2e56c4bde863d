"""A reference core with two kiosks that share PIN keys, over real HTTP, for the issue-19 tests.

Two kiosks matter because most of the defects are about one kiosk reaching what another made
(sessions, holds, invoices); the clock is a FakeClock so windows and expiries move only when a
test says so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests

from core_system.cards import CardIssuer
from core_system.store import Store
from drivers.pinpad.pinblock import format0_encrypt
from kiosk.clock import FakeClock

TDES = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
TDES_2 = bytes.fromhex("FEDCBA98765432100123456789ABCDEF")
PAN = "6228480012345678903"
PAN_2 = "4761730000000011"
PIN = "4321"
TOKENS = {"k1": "t1", "k2": "t2"}
KEYS = {"k1": TDES, "k2": TDES_2}


def track2(pan: str = PAN) -> str:
    return f"{pan}D3012220000000000"


@dataclass
class Rig:
    url: str
    issuer: CardIssuer
    store: Store
    clock: FakeClock

    def headers(self, kiosk: str = "k1") -> dict[str, str]:
        return {"X-Kiosk-Id": kiosk, "Authorization": f"Bearer {TOKENS[kiosk]}"}

    def authorize(
        self,
        *,
        kiosk: str = "k1",
        pan: str = PAN,
        pin: str = PIN,
        purpose: str = "payment",
        amount: str | None = "40.50",
        txn_id: str | None = None,
        block: bytes | None = None,
    ) -> requests.Response:
        body: dict[str, Any] = {
            "track2": track2(pan),
            "pan_sequence": "01",
            "pin_block": (block or format0_encrypt(pin, pan, KEYS[kiosk])).hex().upper(),
            "purpose": purpose,
        }
        if amount is not None:
            body["amount"] = {"amount": amount, "currency": "CNY"}
        if txn_id is not None:
            body["txn_id"] = txn_id
        return requests.post(
            f"{self.url}/v1/cards/authorize", json=body, headers=self.headers(kiosk), timeout=5
        )

    def post(self, *items: dict[str, Any], kiosk: str = "k1") -> list[dict[str, Any]]:
        reply = requests.post(
            f"{self.url}/v1/transactions",
            json={"transactions": list(items)},
            headers=self.headers(kiosk),
            timeout=5,
        )
        assert reply.status_code == 200, reply.text
        return reply.json()["results"]


def card_txn(
    txn_id: str, seq: int, kind: str, amount: str, details: dict[str, Any], *, kiosk: str = "k1"
) -> dict[str, Any]:
    return {
        "txn_id": txn_id,
        "kiosk_id": kiosk,
        "seq": seq,
        "type": kind,
        "created_at": "2026-11-23T08:15:00Z",
        "amount": amount,
        "currency": "CNY",
        "tender": {"type": "card", "masked_pan": "622848*********8903", "auth_code": "x"},
        "details": details,
    }


def new_txn() -> str:
    return str(uuid.uuid4())


def statement(url: str, headers: dict[str, str], **params: str) -> requests.Response:
    query = {"from": "2026-11-01", "to": "2026-11-23", **params}
    return requests.get(f"{url}/v1/accounts/statement", params=query, headers=headers, timeout=5)
