"""XFS4IoT end-to-end tokens: `KEY=value` pairs joined by commas, sealed by an HMAC-SHA256.

CORE_API.md fixes the dispense token's fields and order: `NONCE=<device nonce>,TOKENFORMAT=1,
TOKENLENGTH=<4 digits>,DISPENSE1=300.00CNY,HMACSHA256=<64 hex>`, keyed with the dispenser's token
key (held by the core and the device, never by the kiosk application). Where CORE_API.md is silent
this module follows the XFS4IoT end-to-end security rules: TOKENLENGTH is the length in characters
of the whole token including the HMAC, and the HMAC (upper-case hex) covers every character before
the HMAC value, i.e. up to and including `HMACSHA256=`. The core, the emulated device and the
tests all build and check tokens here, so the two sides cannot drift apart.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from decimal import Decimal

from kiosk.errors import KioskError

TOKEN_FORMAT = "1"
_HMAC_KEY = "HMACSHA256"
_PAIR = re.compile(r"^([A-Z][A-Z0-9]*)=([^,=]*)$")
_AMOUNT = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([A-Z]{3})$")
_NONCE = re.compile(r"^[0-9A-F]{32}$|^[0-9]+$")


class TokenFormatError(KioskError):
    """The text is not a well-formed format-1 token (the device answers invalidTokenFormat)."""

    code = "TOKEN_FORMAT_INVALID"


@dataclass(frozen=True)
class Token:
    text: str
    fields: tuple[tuple[str, str], ...]  # in token order, HMACSHA256 excluded

    def __repr__(self) -> str:
        return f"Token(nonce={self.nonce}, {len(self.text)} chars)"

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.fields if k == key), None)

    @property
    def nonce(self) -> str:
        return self.get("NONCE") or ""

    def dispense_limits(self) -> dict[str, Decimal]:
        """DISPENSE1..n as currency -> maximum amount (major units)."""
        limits: dict[str, Decimal] = {}
        for n in range(1, 10):
            value = self.get(f"DISPENSE{n}")
            if value is None:
                break
            match = _AMOUNT.match(value)
            if match is None or match.group(2) in limits:
                raise TokenFormatError(f"DISPENSE{n} is not <amount><ISO currency>")
            limits[match.group(2)] = Decimal(match.group(1))
        return limits


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("ascii"), hashlib.sha256).hexdigest().upper()


def make_token(key: bytes, nonce: str, fields: list[tuple[str, str]]) -> str:
    """Builds and seals a token: NONCE, TOKENFORMAT, TOKENLENGTH first, the HMAC last."""
    body = "".join(f",{k}={v}" for k, v in fields)
    length = len(f"NONCE={nonce},TOKENFORMAT={TOKEN_FORMAT},TOKENLENGTH=0000{body},{_HMAC_KEY}=")
    length += 64
    if length > 9999:
        raise TokenFormatError("token longer than TOKENLENGTH can say")
    head = f"NONCE={nonce},TOKENFORMAT={TOKEN_FORMAT},TOKENLENGTH={length:04d}{body},{_HMAC_KEY}="
    return head + _mac(key, head)


def dispense_token(key: bytes, nonce: str, amount_minor: int, currency: str) -> str:
    """The dispense token as the core makes it (`DISPENSE1=300.00CNY`)."""
    return make_token(key, nonce, [("DISPENSE1", format_amount(amount_minor, currency))])


def format_amount(amount_minor: int, currency: str) -> str:
    digits = minor_digits(currency)
    value = Decimal(amount_minor).scaleb(-digits)
    return f"{value:.{digits}f}{currency}"


def minor_digits(currency: str) -> int:
    """ISO 4217 minor units for the currencies a lobby kiosk meets (2 for the rest)."""
    return {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3}.get(currency, 2)


def parse_token(text: str) -> Token:
    """Splits and checks the shape (not the HMAC): raises TokenFormatError."""
    if not text.isascii() or len(text) > 9999:
        raise TokenFormatError("token is not short ASCII text")
    pairs: list[tuple[str, str]] = []
    for part in text.split(","):
        match = _PAIR.match(part)
        if match is None:
            raise TokenFormatError("token part is not KEY=value")
        pairs.append((match.group(1), match.group(2)))
    keys = [k for k, _ in pairs]
    if keys[:3] != ["NONCE", "TOKENFORMAT", "TOKENLENGTH"] or keys[-1] != _HMAC_KEY:
        raise TokenFormatError("token must start NONCE,TOKENFORMAT,TOKENLENGTH and end HMACSHA256")
    if len(set(keys)) != len(keys):
        raise TokenFormatError("a token key appears twice")
    if pairs[1][1] != TOKEN_FORMAT:
        raise TokenFormatError(f"TOKENFORMAT {pairs[1][1]!r} is not supported")
    if not re.fullmatch(r"[0-9]{4}", pairs[2][1]) or int(pairs[2][1]) != len(text):
        raise TokenFormatError("TOKENLENGTH does not match the token")
    if not _NONCE.match(pairs[0][1]):
        raise TokenFormatError("NONCE is not a device nonce")
    if not re.fullmatch(r"[0-9A-F]{64}", pairs[-1][1]):
        raise TokenFormatError("HMACSHA256 is not 32 bytes of upper-case hex")
    return Token(text, tuple(pairs[:-1]))


def hmac_valid(key: bytes, token: Token) -> bool:
    head, _, mac = token.text.rpartition("=")
    return hmac.compare_digest(_mac(key, head + "="), mac)
