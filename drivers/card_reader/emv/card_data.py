"""Typed card data and the checks a terminal makes before using it (Luhn, expiry, service code).

The full PAN and track-2 equivalent stay inside CardData (the core needs them to authorise); every
printable form masks them, so a CardData in a log line or exception never shows a full PAN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from drivers.card_reader.errors import CardRejected, MalformedTlv

_TRACK2 = re.compile(r"^(\d{12,19})D(\d{4})(\d{3})(\d*)$")


def luhn_ok(pan: str) -> bool:
    if not pan.isdigit() or not 12 <= len(pan) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(pan)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask_pan(pan: str) -> str:
    """First 6 and last 4 digits shown (PCI DSS 3.4), the rest as '*'."""
    if len(pan) < 13:
        return "*" * len(pan)
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def bcd_digits(raw: bytes) -> str:
    """Compressed numeric (cn) to digits, dropping the F padding; 'D' kept as the separator."""
    text = raw.hex().upper().rstrip("F")
    if not re.fullmatch(r"[0-9D]*", text):
        raise MalformedTlv("numeric field holds non-digits")
    return text


@dataclass(frozen=True)
class Track2:
    pan: str = field(repr=False)
    expiry_yymm: str
    service_code: str
    discretionary: str = field(repr=False, default="")

    @classmethod
    def parse(cls, text: str) -> Track2:
        found = _TRACK2.match(text)
        if found is None:
            raise MalformedTlv("track 2 equivalent data is not PAN D YYMM SVC ...")
        return cls(found[1], found[2], found[3], found[4])

    def text(self) -> str:
        return f"{self.pan}D{self.expiry_yymm}{self.service_code}{self.discretionary}"


@dataclass(frozen=True)
class CardData:
    """What the EMV read yields; safe to log (repr masks the PAN and hides track 2)."""

    pan: str = field(repr=False)
    track2: Track2 = field(repr=False)
    expiry: date  # last day of validity (5F24)
    cardholder_name: str
    pan_sequence: str  # 5F34, two digits, "" when the card has none
    aid: str  # hex
    label: str
    scheme: str  # unionpay, visa, mastercard, jcb, amex, technician, magstripe
    masked_pan: str = ""
    source: str = "chip"  # chip | stripe

    def __post_init__(self) -> None:
        object.__setattr__(self, "masked_pan", mask_pan(self.pan))

    @property
    def is_technician(self) -> bool:
        return self.scheme == "technician"

    def summary(self) -> dict[str, str]:
        """The fields the CLI and screens may show (masked PAN only)."""
        return {
            "aid": self.aid,
            "label": self.label,
            "scheme": self.scheme,
            "masked_pan": self.masked_pan,
            "expiry": self.expiry.strftime("%Y-%m"),
            "cardholder_name": self.cardholder_name,
            "pan_sequence": self.pan_sequence,
            "service_code": self.track2.service_code,
            "source": self.source,
        }


def expiry_from_yymmdd(text: str) -> date:
    if not re.fullmatch(r"\d{6}", text):
        raise MalformedTlv("expiry date is not YYMMDD")
    try:
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError as exc:
        raise MalformedTlv("expiry date is not a calendar date") from exc


def expiry_from_yymm(text: str) -> date:
    year, month = 2000 + int(text[:2]), int(text[2:4])
    if not 1 <= month <= 12:
        raise MalformedTlv("expiry month out of range")
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def check_usable(card: CardData, today: date) -> None:
    """Raises CardRejected when the terminal must not go online with this card."""
    if not luhn_ok(card.pan):
        raise CardRejected("PAN fails the Luhn check", code="CARD_PAN_INVALID")
    if card.track2.pan != card.pan:
        raise CardRejected("track 2 PAN differs from the PAN", code="CARD_DATA_INCONSISTENT")
    if card.expiry < today:
        raise CardRejected(f"card expired {card.expiry:%Y-%m}", code="CARD_EXPIRED")
    service = card.track2.service_code
    if service[0] not in "1256" and not card.is_technician:
        raise CardRejected(f"service code {service} not for interchange", code="CARD_SERVICE")
