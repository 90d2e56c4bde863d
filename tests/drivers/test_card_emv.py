"""The EMV read against the project's virtual card profiles (no PC/SC: direct APDU calls)."""

from __future__ import annotations

from datetime import date

import pytest

from drivers.card_reader.apdu import exchange
from drivers.card_reader.emv.applications import Application
from drivers.card_reader.emv.read import read_card
from drivers.card_reader.errors import (
    ApplicationBlocked,
    CardError,
    CardRejected,
    MalformedTlv,
    NoSupportedApplication,
)
from drivers.card_reader.virtual_card.card import CardLeft, VirtualCard
from drivers.card_reader.virtual_card.profile import load_profile, parse_profile

TODAY = date(2026, 11, 23)


def _card(name: str) -> VirtualCard:
    return VirtualCard(load_profile(name))


def test_unionpay_debit_read_gives_masked_typed_data() -> None:
    card = read_card(_card("unionpay_debit").process, today=TODAY)
    assert card.aid == "A000000333010101" and card.scheme == "unionpay"
    assert card.masked_pan == "622848*********8903"
    assert card.pan not in repr(card) and card.track2.text() not in repr(card)
    assert card.cardholder_name == "ZHANG/SAN" and card.pan_sequence == "01"
    assert card.expiry == date(2030, 12, 31) and card.track2.service_code == "220"


@pytest.mark.parametrize(
    ("profile", "aid"),
    [
        ("visa", "A0000000031010"),
        ("mastercard", "A0000000041010"),
        ("no_pse", "A000000333010101"),
        ("t0_get_response", "A000000333010101"),
        ("slow", "A000000333010101"),
        ("technician", "F04B494F534B54"),
    ],
)
def test_readable_profiles(profile: str, aid: str) -> None:
    assert read_card(_card(profile).process, today=TODAY).aid == aid


def test_two_applications_let_the_customer_choose_in_priority_order() -> None:
    offered: list[tuple[Application, ...]] = []

    def chooser(apps: tuple[Application, ...]) -> int:
        offered.append(apps)
        return 1

    card = read_card(_card("two_apps").process, today=TODAY, chooser=chooser)
    assert [a.label for a in offered[0]] == ["UnionPay Debit", "UnionPay Credit"]
    assert card.aid == "A000000333010102" and card.pan_sequence == "00"


@pytest.mark.parametrize(
    ("profile", "error", "code"),
    [
        ("expired", CardRejected, "CARD_EXPIRED"),
        ("blocked_app", ApplicationBlocked, "CARD_APP_BLOCKED"),
        ("malformed_tlv", MalformedTlv, "CARD_TLV_MALFORMED"),
    ],
)
def test_unusable_cards_give_typed_errors(profile: str, error: type, code: str) -> None:
    with pytest.raises(error) as caught:
        read_card(_card(profile).process, today=TODAY)
    assert isinstance(caught.value, CardError) and caught.value.code == code


def test_card_with_only_foreign_applications_is_not_supported() -> None:
    profile = parse_profile(
        {"name": "x", "pse": False, "applications": [{"aid": "A0000009999999", "label": "X"}]}
    )
    with pytest.raises(NoSupportedApplication):
        read_card(VirtualCard(profile).process, today=TODAY)


def test_card_leaving_mid_read_stops_the_read() -> None:
    with pytest.raises(CardLeft):
        read_card(_card("removed_mid_read").process, today=TODAY)


def test_t0_get_response_and_wrong_le_are_followed() -> None:
    card = _card("t0_get_response")
    sent: list[bytes] = []

    def transmit(apdu: bytes) -> bytes:
        sent.append(apdu)
        return card.process(apdu)

    select_pse = bytes.fromhex("00A404000E315041592E5359532E444446303100")
    response = exchange(transmit, select_pse)
    assert response.ok and response.data[:1] == b"\x6f"
    assert sent[1][:4] == bytes.fromhex("00C00000")  # GET RESPONSE followed the 61xx
    sent.clear()
    record = exchange(transmit, bytes.fromhex("00B2010C00"))
    assert record.ok and record.data[:1] == b"\x70"
    assert sent[1][:4] == bytes.fromhex("00B2010C") and sent[1][4] == len(record.data)
