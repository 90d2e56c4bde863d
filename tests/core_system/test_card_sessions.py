"""Issue 19: a card session belongs to the kiosk that made it and to the purpose it was issued
for (CORE_API.md): the statement needs the kiosk's own credential beside X-Card-Session."""

from __future__ import annotations

from tests.core_system.card_rig import Rig, statement


def _session(rig: Rig, purpose: str = "statement", kiosk: str = "k1") -> str:
    reply = rig.authorize(purpose=purpose, amount=None, kiosk=kiosk).json()
    assert reply["approved"], reply
    return reply["session_token"]


def test_the_statement_with_the_kiosk_credential_and_its_card_session(rig: Rig) -> None:
    token = _session(rig)
    reply = statement(rig.url, {**rig.headers("k1"), "X-Card-Session": token})
    assert reply.status_code == 200 and reply.json()["entries"]


def test_another_kiosk_cannot_read_the_statement_with_a_stolen_session(rig: Rig) -> None:
    token = _session(rig)
    other = statement(rig.url, {**rig.headers("k2"), "X-Card-Session": token})
    assert (other.status_code, other.json()["error"]["code"]) == (403, "SESSION_FORBIDDEN")
    spoofed = {"X-Kiosk-Id": "k1", "Authorization": "Bearer t2", "X-Card-Session": token}
    assert statement(rig.url, spoofed).json()["error"]["code"] == "UNAUTHORIZED"


def test_a_session_serves_only_the_purpose_it_was_issued_for(rig: Rig) -> None:
    token = _session(rig, purpose="balance")
    reply = statement(rig.url, {**rig.headers("k1"), "X-Card-Session": token})
    assert (reply.status_code, reply.json()["error"]["code"]) == (403, "SESSION_WRONG_PURPOSE")


def test_the_core_refuses_a_card_session_sent_as_the_only_credential(rig: Rig) -> None:
    token = _session(rig)
    # Anyone holding the token could call "as" k1: no kiosk secret in this request.
    legacy = statement(rig.url, {"X-Kiosk-Id": "k1", "Authorization": f"Bearer {token}"})
    assert (legacy.status_code, legacy.json()["error"]["code"]) == (401, "CARD_SESSION_REQUIRED")
    proper = statement(rig.url, {**rig.headers("k1"), "X-Card-Session": token})
    assert proper.status_code == 200
