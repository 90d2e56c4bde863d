"""ISO/IEC 7813 track 1 and track 2 parsing for a hybrid/serial reader's stripe data.

Input is the decoded character stream a reader reports, sentinels included, optionally followed
by the LRC character. The LRC is checked in the track's own character set: the XOR of every
character's data bits (6 bits on track 1: ASCII - 0x20; 4 bits on track 2: ASCII - 0x30) from
the start sentinel to the end sentinel. A card whose service code starts with 2 or 6 has a chip:
a swipe is refused with UseChip so the customer is told to insert it (EMV fallback rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from drivers.card_reader.emv.card_data import (
    CardData,
    Track2,
    check_usable,
    expiry_from_yymm,
    luhn_ok,
)
from drivers.card_reader.errors import StripeUnreadable, UseChip

_T1 = re.compile(r"^%B(\d{12,19})\^([^^]{2,26})\^(\d{4})(\d{3})([^?]*)\?$")
_T2 = re.compile(r"^;(\d{12,19})=(\d{4})(\d{3})([^?]*)\?$")
MAX_T1, MAX_T2 = 79, 40


@dataclass(frozen=True)
class Track1:
    pan: str = field(repr=False)
    name: str
    expiry_yymm: str
    service_code: str


def _lrc(text: str, offset: int, bits: int) -> str:
    value = 0
    for ch in text:
        value ^= (ord(ch) - offset) & ((1 << bits) - 1)
    return chr(value + offset)


def _split_lrc(raw: str, offset: int, bits: int, require_lrc: bool) -> str:
    end = raw.find("?")
    if end < 0:
        raise StripeUnreadable("no end sentinel")
    body, rest = raw[: end + 1], raw[end + 1 :]
    if rest:
        if len(rest) != 1 or rest != _lrc(body, offset, bits):
            raise StripeUnreadable("LRC check failed")
    elif require_lrc:
        raise StripeUnreadable("LRC missing")
    return body


def parse_track1(raw: str, *, require_lrc: bool = True) -> Track1:
    if len(raw) > MAX_T1 + 1 or any(not 0x20 <= ord(c) <= 0x5F for c in raw):
        raise StripeUnreadable("track 1 has characters outside its 6-bit set or is too long")
    found = _T1.match(_split_lrc(raw, 0x20, 6, require_lrc))
    if found is None:
        raise StripeUnreadable("track 1 is not format B")
    return Track1(found[1], found[2].strip(), found[3], found[4])


def parse_track2(raw: str, *, require_lrc: bool = True) -> Track2:
    if len(raw) > MAX_T2 + 1 or any(not 0x30 <= ord(c) <= 0x3F for c in raw):
        raise StripeUnreadable("track 2 has characters outside its 4-bit set or is too long")
    found = _T2.match(_split_lrc(raw, 0x30, 4, require_lrc))
    if found is None:
        raise StripeUnreadable("track 2 is not PAN=YYMM SVC ...")
    return Track2(found[1], found[2], found[3], found[4])


def card_from_stripe(
    track2_raw: str, track1_raw: str | None, *, today: date, require_lrc: bool = True
) -> CardData:
    """CardData from a swipe, or UseChip for chip cards / StripeUnreadable for bad data."""
    track2 = parse_track2(track2_raw, require_lrc=require_lrc)
    track1 = parse_track1(track1_raw, require_lrc=require_lrc) if track1_raw else None
    if track1 is not None and (track1.pan, track1.expiry_yymm) != (
        track2.pan,
        track2.expiry_yymm,
    ):
        raise StripeUnreadable("track 1 and track 2 disagree")
    if track2.service_code[0] in "26":
        raise UseChip("chip card swiped: insert the card into the chip reader")
    if not luhn_ok(track2.pan):
        raise StripeUnreadable("PAN fails the Luhn check")
    card = CardData(
        pan=track2.pan,
        track2=track2,
        expiry=expiry_from_yymm(track2.expiry_yymm),
        cardholder_name=track1.name if track1 else "",
        pan_sequence="",
        aid="",
        label="Magnetic stripe",
        scheme="magstripe",
        source="stripe",
    )
    check_usable(card, today)
    return card


def with_lrc(body: str, track: int) -> str:
    """Appends the LRC character (for emulators and tests)."""
    return body + (_lrc(body, 0x20, 6) if track == 1 else _lrc(body, 0x30, 4))
