"""The emulator's fixed tables: the faults a test or technician can arm, and the setup reply.

Split out of drivers/cash/essp_emulator.py so the device's behaviour stays readable there.
"""

from __future__ import annotations

from enum import Enum

from drivers.cash.essp_protocol import Event

MINOR_PER_MAJOR = {"JPY": 1, "KRW": 1, "VND": 1}  # others use 100 minor units
GARBAGE = bytes([0x00, 0x7F, 0x13, 0x7F, 0x7F, 0xFF, 0x55])


class Fault(Enum):
    GARBAGE = "garbage"  # noise bytes before the next replies
    BAD_CRC = "bad_crc"  # corrupt the CRC of the next replies (the stored reply stays good)
    NO_REPLY = "no_reply"  # ignore the next N commands entirely, as if unplugged
    SAFE_JAM = "safe_jam"
    UNSAFE_JAM = "unsafe_jam"
    STACKER_FULL = "stacker_full"
    CASHBOX_REMOVED = "cashbox_removed"
    CASHBOX_REPLACED = "cashbox_replaced"
    FRAUD = "fraud"
    REPLAY = "replay"  # a tap re-sends the previous sealed POLL reply ahead of the genuine one


FAULT_EVENTS = {
    Fault.SAFE_JAM: Event.SAFE_JAM,
    Fault.UNSAFE_JAM: Event.UNSAFE_JAM,
    Fault.STACKER_FULL: Event.STACKER_FULL,
    Fault.CASHBOX_REMOVED: Event.CASHBOX_REMOVED,
    Fault.CASHBOX_REPLACED: Event.CASHBOX_REPLACED,
}


def setup_payload(currency: str, denominations: tuple[int, ...], protocol: int) -> bytes:
    """Standard validator layout; see essp_protocol.parse_setup for the field list."""
    n = len(denominations)
    country = currency.encode("ascii")[:3].ljust(3, b" ")
    out = bytes([0x00]) + b"0430" + country + (1).to_bytes(3, "big") + bytes([n])
    out += bytes(min(v, 255) for v in denominations) + bytes([2] * n)
    out += MINOR_PER_MAJOR.get(currency, 100).to_bytes(3, "big")
    out += bytes([protocol])
    if protocol >= 6:
        out += country * n + b"".join(v.to_bytes(4, "little") for v in denominations)
    return out
