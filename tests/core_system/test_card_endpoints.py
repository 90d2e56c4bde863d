"""Reference core card endpoints over real HTTP: PIN block check, tries, retention, statement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from core_system.cards import CardIssuer
from core_system.server import CoreServer
from core_system.store import Store
from drivers.pinpad.pinblock import format0_encrypt, format4_encrypt
from kiosk.clock import FakeClock

TDES = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
AES = bytes(range(16))
PAN = "6228480012345678903"
TRACK2 = f"{PAN}D3012220000000000"


@pytest.fixture
def core(tmp_path: Path) -> Iterator[tuple[str, CardIssuer, FakeClock]]:
    clock = FakeClock()
    issuer = CardIssuer(clock, {"k1": ("iso0", TDES), "k4": ("iso4", AES)}, auto_enrol=False)
    issuer.enrol(PAN, "4321", "100.50")
    server = CoreServer(
        Store(f"sqlite:///{tmp_path}/core.db"),
        kiosk_tokens={"k1": "t1", "k4": "t4"},
        clock=clock,
        cards=issuer,
    )
    url = server.start()
    try:
        yield url, issuer, clock
    finally:
        server.stop()


def _authorize(url: str, kiosk: str, pin_block: bytes, purpose: str = "balance") -> dict:
    reply = requests.post(
        f"{url}/v1/cards/authorize",
        json={
            "track2": TRACK2,
            "pan_sequence": "01",
            "pin_block": pin_block.hex().upper(),
            "purpose": purpose,
        },
        headers={"X-Kiosk-Id": kiosk, "Authorization": f"Bearer t{kiosk[1]}"},
        timeout=5,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_right_pin_gives_balance_and_a_session(core: tuple[str, CardIssuer, FakeClock]) -> None:
    url, _, _ = core
    reply = _authorize(url, "k1", format0_encrypt("4321", PAN, TDES))
    assert reply["approved"] and reply["balance"] == {"amount": "100.50", "currency": "CNY"}
    assert len(reply["auth_code"]) == 6 and reply["session_token"]


def test_format4_block_under_the_kiosks_aes_key(core: tuple[str, CardIssuer, FakeClock]) -> None:
    url, _, _ = core
    assert _authorize(url, "k4", format4_encrypt("4321", PAN, AES))["approved"]
    # The same block from a kiosk holding a different key is a wrong PIN.
    assert not _authorize(url, "k1", format0_encrypt("4321", PAN, bytes(16)))["approved"]


def test_three_wrong_pins_order_retention(core: tuple[str, CardIssuer, FakeClock]) -> None:
    url, issuer, _ = core
    wrong = format0_encrypt("0000", PAN, TDES)
    first, second, third = (_authorize(url, "k1", wrong) for _ in range(3))
    assert (first["tries_left"], first["reason"], first["retain_card"]) == (2, "WRONG_PIN", False)
    assert second["tries_left"] == 1
    assert third["retain_card"] and third["reason"] == "PIN_TRIES_EXCEEDED"
    # Even the right PIN is refused now: the counter survives sessions.
    again = _authorize(url, "k1", format0_encrypt("4321", PAN, TDES))
    assert not again["approved"] and again["retain_card"] and issuer.tries_left(PAN) == 0


def test_statement_pages_with_the_session_token(core: tuple[str, CardIssuer, FakeClock]) -> None:
    url, _, clock = core
    token = _authorize(url, "k1", format0_encrypt("4321", PAN, TDES), "statement")["session_token"]
    headers = {"X-Kiosk-Id": "k1", "Authorization": "Bearer t1", "X-Card-Session": token}
    params = {"from": "2026-08-25", "to": "2026-11-23", "limit": "20"}
    seen, cursor = [], "0"
    while cursor:
        page = requests.get(
            f"{url}/v1/accounts/statement",
            params={**params, "cursor": cursor},
            headers=headers,
            timeout=5,
        ).json()
        seen += page["entries"]
        cursor = page["next_cursor"]
    assert len(seen) == 46 and seen[0]["date"] == "2026-11-23"  # newest first, every 2 days
    assert seen[0]["balance"] == {"amount": "100.50", "currency": "CNY"}
    clock.advance(301)
    expired = requests.get(
        f"{url}/v1/accounts/statement", params=params, headers=headers, timeout=5
    )
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "SESSION_INVALID"
