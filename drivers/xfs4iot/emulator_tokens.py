"""The emulated dispenser's end-to-end checks: which token it refuses, and with which code.

Each refusal has its own standard completion code so the kiosk can tell a configuration fault
(no token key loaded) from a host fault (a forged or too-small token) and from a replay (the nonce
the token names is gone: it is cleared as soon as cash is presented).
"""

from __future__ import annotations

from drivers.xfs4iot.emulator_service import CommandFailed
from drivers.xfs4iot.errors import CompletionCode
from drivers.xfs4iot.token import (
    TokenFormatError,
    format_amount,
    hmac_valid,
    make_token,
    minor_digits,
    parse_token,
)


def check_token(
    key: bytes | None, text: object, nonce: str | None, total_minor: int, currency: str
) -> None:
    """Raises CommandFailed unless `text` authorises paying `total_minor` against `nonce`."""
    if key is None:
        raise CommandFailed(CompletionCode.INVALID_TOKEN_KEY_NO_VALUE, "no token key loaded")
    if not isinstance(text, str) or not text:
        raise CommandFailed(CompletionCode.AUTHORISATION_REQUIRED, "dispense needs a token")
    try:
        token = parse_token(text)
        limits = token.dispense_limits()
    except TokenFormatError as exc:
        raise CommandFailed(CompletionCode.INVALID_TOKEN_FORMAT, str(exc)) from exc
    if nonce is None:
        raise CommandFailed(CompletionCode.NO_COMMAND_NONCE, "no command nonce issued")
    if token.nonce != nonce:
        raise CommandFailed(CompletionCode.INVALID_TOKEN_NONCE, "token nonce is not current")
    if not hmac_valid(key, token):
        raise CommandFailed(CompletionCode.INVALID_TOKEN_HMAC, "token HMAC does not verify")
    limit = limits.get(currency)
    if limit is None or int(limit.scaleb(minor_digits(currency))) < total_minor:
        raise CommandFailed(CompletionCode.INVALID_TOKEN, "token value below the dispense")


def present_token(
    key: bytes,
    host_nonce: str,
    dispensed_minor: int,
    currency: str,
    *,
    presented: bool,
    retracted: bool,
) -> str:
    """The present status token: what left the cassettes and whether the customer had it."""
    fields = [
        ("DISPENSED1", format_amount(dispensed_minor, currency)),
        ("PRESENTED1", "YES" if presented else "NO"),
        ("PRESENTEDAMOUNT1", format_amount(dispensed_minor if presented else 0, currency)),
        ("RETRACTED1", "YES" if retracted else "NO"),
    ]
    return make_token(key, host_nonce, fields)
