"""The dispense token: CORE_API.md's fields in order, its length, its HMAC, and every refusal."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from drivers.xfs4iot.token import (
    TokenFormatError,
    dispense_token,
    hmac_valid,
    make_token,
    parse_token,
)

KEY = b"\x11" * 32
NONCE = "254611E63B2531576314E86527338D61"


def test_the_token_has_the_core_api_fields_in_order_and_says_its_own_length() -> None:
    text = dispense_token(KEY, NONCE, 30000, "CNY")
    assert re.fullmatch(
        rf"NONCE={NONCE},TOKENFORMAT=1,TOKENLENGTH=(\d{{4}}),DISPENSE1=300\.00CNY,"
        r"HMACSHA256=[0-9A-F]{64}",
        text,
    )
    assert int(text.split("TOKENLENGTH=")[1][:4]) == len(text)
    token = parse_token(text)
    assert token.nonce == NONCE and token.dispense_limits() == {"CNY": Decimal("300.00")}
    assert hmac_valid(KEY, token) and not hmac_valid(b"\x22" * 32, token)


def test_a_changed_amount_breaks_the_hmac() -> None:
    text = dispense_token(KEY, NONCE, 30000, "CNY").replace("300.00CNY", "900.00CNY")
    assert not hmac_valid(KEY, parse_token(text))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "DISPENSE1=1.00CNY",
        make_token(KEY, NONCE, [("DISPENSE1", "1.00CNY")]).replace(
            "TOKENFORMAT=1", "TOKENFORMAT=2"
        ),
        make_token(KEY, NONCE, [("DISPENSE1", "1.00CNY")]) + "0",
        make_token(KEY, "nonce!", [("DISPENSE1", "1.00CNY")]),
        make_token(KEY, NONCE, [("DISPENSE1", "1.00CNY"), ("DISPENSE1", "2.00CNY")]),
    ],
)
def test_malformed_tokens_are_refused(text: str) -> None:
    with pytest.raises(TokenFormatError):
        parse_token(text)


def test_a_dispense_value_without_currency_is_refused() -> None:
    with pytest.raises(TokenFormatError):
        parse_token(make_token(KEY, NONCE, [("DISPENSE1", "300")])).dispense_limits()
