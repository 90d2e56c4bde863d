"""The EMV contact read: choose the application, GET PROCESSING OPTIONS, walk the AFL.

Runs on the card reader's I/O thread against a RawTransmit (PC/SC in the field, a virtual card
in unit tests). It only reads: no offline data authentication, no cardholder verification on the
card (the kiosk verifies the PIN online), no GENERATE AC. That is what a balance/statement kiosk
with online-only PIN needs; docs/card.md lists what a full EMV kernel would add.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from drivers.card_reader.apdu import RawTransmit, command, exchange
from drivers.card_reader.emv import tlv
from drivers.card_reader.emv.aids import CANDIDATES, TerminalAid
from drivers.card_reader.emv.applications import (
    SW_BLOCKED,
    SW_OK,
    Application,
    from_aid_list,
    from_pse,
    read_record,
    select,
)
from drivers.card_reader.emv.card_data import (
    CardData,
    Track2,
    bcd_digits,
    check_usable,
    expiry_from_yymmdd,
)
from drivers.card_reader.errors import (
    ApduError,
    ApplicationBlocked,
    MalformedTlv,
    NoSupportedApplication,
)

# Chooses one application when the card offers several; the journey asks the customer. It gets
# the applications in priority order and returns the index picked.
Chooser = Callable[[tuple[Application, ...]], int]


@dataclass(frozen=True)
class TerminalData:
    """Values the terminal supplies to PDOL requests (EMV Book 4 / Book 3 Annex A)."""

    country: str = "0156"  # 9F1A, China
    currency: str = "0156"  # 5F2A, CNY
    terminal_type: int = 0x14  # 9F35: attended=no, financial institution, online capable
    ttq: bytes = bytes.fromhex("26000000")  # 9F66, only used by cards that ask for it


def first_choice(applications: tuple[Application, ...]) -> int:
    return 0


def _pdol_data(pdol: bytes, terminal: TerminalData, today: date) -> bytes:
    values = {
        0x9F1A: bytes.fromhex(terminal.country),
        0x5F2A: bytes.fromhex(terminal.currency),
        0x9F35: bytes([terminal.terminal_type]),
        0x9F66: terminal.ttq,
        0x9A: bytes.fromhex(today.strftime("%y%m%d")),
        0x9C: b"\x31",  # transaction type: balance inquiry
        0x9F37: os.urandom(4),  # unpredictable number
    }
    out = bytearray()
    for tag, length in tlv.parse_dol(pdol):
        value = values.get(tag, b"")
        # Book 3 5.4: numeric values are right-aligned/left-padded, others truncated/zero-filled.
        out += value[:length].ljust(length, b"\x00") if value else bytes(length)
    return bytes(out)


def _afl_entries(afl: bytes) -> list[tuple[int, int, int]]:
    if not afl or len(afl) % 4:
        raise MalformedTlv("AFL length is not a multiple of 4")
    entries = []
    for i in range(0, len(afl), 4):
        sfi, first, last, _offline = afl[i] >> 3, afl[i + 1], afl[i + 2], afl[i + 3]
        if not 1 <= sfi <= 30 or first == 0 or last < first or afl[i] & 0x07:
            raise MalformedTlv(f"AFL entry {afl[i : i + 4].hex()} is invalid")
        entries.append((sfi, first, last))
    return entries


def _gpo(transmit: RawTransmit, pdol_data: bytes) -> tuple[bytes, bytes]:
    """Returns (AIP, AFL) from response format 1 (80) or 2 (77)."""
    response = exchange(transmit, command(0x80, 0xA8, 0x00, 0x00, tlv.encode(0x83, pdol_data)))
    if response.sw != SW_OK:
        raise ApduError("GET PROCESSING OPTIONS refused", response.sw)
    items = tlv.parse(response.data)
    if not items:
        raise MalformedTlv("empty GPO response")
    if items[0].tag == 0x80:
        value = items[0].value
        if len(value) < 6:
            raise MalformedTlv("GPO format 1 too short")
        return value[:2], value[2:]
    if items[0].tag == 0x77:
        aip, afl = items[0].find(0x82), items[0].find(0x94)
        if aip is None or afl is None:
            raise MalformedTlv("GPO format 2 without AIP (82) or AFL (94)")
        return aip.value, afl.value
    raise MalformedTlv(f"GPO response template {items[0].tag:X}")


def _collect(transmit: RawTransmit, afl: bytes) -> dict[int, bytes]:
    data: dict[int, bytes] = {}
    for sfi, first, last in _afl_entries(afl):
        for number in range(first, last + 1):
            response = read_record(transmit, sfi, number)
            if response.sw != SW_OK:
                raise ApduError(f"READ RECORD SFI {sfi} record {number}", response.sw)
            items = tlv.parse(response.data)
            if len(items) != 1 or items[0].tag != 0x70:
                raise MalformedTlv(f"record {sfi}/{number} is not template 70")
            for item in items[0].children:
                data.setdefault(item.tag, item.value)
    return data


def choose_application(
    transmit: RawTransmit, chooser: Chooser, candidates: tuple[TerminalAid, ...]
) -> tuple[Application, bytes]:
    """Builds the candidate list, lets the customer choose, SELECTs it; returns (app, FCI)."""
    found = from_pse(transmit, candidates)
    blocked: list[bytes] = []
    if not found:
        found, blocked = from_aid_list(transmit, candidates)
    if not found:
        if blocked:
            raise ApplicationBlocked(f"application {blocked[0].hex().upper()} is blocked")
        raise NoSupportedApplication("the card holds no application this kiosk supports")
    ordered = tuple(sorted(found, key=lambda a: a.sort_key))
    while ordered:
        index = chooser(ordered) if len(ordered) > 1 else 0
        if not 0 <= index < len(ordered):
            raise ValueError(f"chooser returned {index} for {len(ordered)} applications")
        app = ordered[index]
        response = select(transmit, app.aid)
        if response.sw == SW_OK:
            return app, response.data
        if response.sw != SW_BLOCKED:
            raise ApduError(f"SELECT {app.aid.hex().upper()}", response.sw)
        # Book 1 12.4: a blocked application leaves the list; offer the rest again.
        ordered = tuple(a for a in ordered if a != app)
        if not ordered:
            raise ApplicationBlocked(f"application {app.aid.hex().upper()} is blocked")
    raise NoSupportedApplication("no application left")


def read_card(
    transmit: RawTransmit,
    *,
    today: date,
    chooser: Chooser = first_choice,
    terminal: TerminalData | None = None,
    candidates: tuple[TerminalAid, ...] = CANDIDATES,
) -> CardData:
    """The whole contact read; raises a CardError subclass for every way it can fail."""
    terminal = terminal or TerminalData()
    app, fci_raw = choose_application(transmit, chooser, candidates)
    fci = tlv.parse(fci_raw)
    pdol = tlv.find(fci, 0x9F38)
    _aip, afl = _gpo(transmit, _pdol_data(pdol.value if pdol else b"", terminal, today))
    data = _collect(transmit, afl)
    if 0x57 not in data:
        raise MalformedTlv("card has no track 2 equivalent data (57)")
    track2 = Track2.parse(bcd_digits(data[0x57]))
    pan = bcd_digits(data[0x5A]) if 0x5A in data else track2.pan
    expiry = expiry_from_yymmdd(bcd_digits(data[0x5F24])) if 0x5F24 in data else None
    if expiry is None:
        raise MalformedTlv("card has no expiry date (5F24)")
    name = data.get(0x5F20, b"").decode("ascii", "replace").strip()
    psn = data[0x5F34].hex() if 0x5F34 in data else ""
    card = CardData(
        pan=pan,
        track2=track2,
        expiry=expiry,
        cardholder_name=name,
        pan_sequence=psn,
        aid=app.aid.hex().upper(),
        label=app.label,
        scheme=app.scheme,
    )
    check_usable(card, today)
    return card
