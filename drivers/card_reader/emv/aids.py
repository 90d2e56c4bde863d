"""The terminal's supported applications (candidate list), in the kiosk's preference order.

UnionPay first: a Chinese lobby kiosk sees UnionPay debit cards far more than anything else.
Matching follows EMV Book 1 12.3.1: an AID on the card matches a terminal AID when it starts with
it (partial selection), so A0000000031010 also matches A000000003101001.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TerminalAid:
    aid: bytes
    scheme: str
    label: str


def _aid(hex_text: str, scheme: str, label: str) -> TerminalAid:
    return TerminalAid(bytes.fromhex(hex_text), scheme, label)


# The kiosk's own technician application (maintenance mode); never a payment application.
TECHNICIAN_AID = bytes.fromhex("F04B494F534B54")

CANDIDATES: tuple[TerminalAid, ...] = (
    _aid("A000000333010101", "unionpay", "UnionPay Debit"),
    _aid("A000000333010102", "unionpay", "UnionPay Credit"),
    _aid("A000000333010103", "unionpay", "UnionPay Quasi Credit"),
    _aid("A0000000031010", "visa", "Visa"),
    _aid("A0000000032010", "visa", "Visa Electron"),
    _aid("A0000000041010", "mastercard", "Mastercard"),
    _aid("A0000000043060", "mastercard", "Maestro"),
    _aid("A0000000651010", "jcb", "JCB"),
    _aid("A00000002501", "amex", "American Express"),
    TerminalAid(TECHNICIAN_AID, "technician", "Technician"),
)


def match(card_aid: bytes, candidates: tuple[TerminalAid, ...] = CANDIDATES) -> TerminalAid | None:
    """The terminal AID the card's AID matches (exact or partial), or None."""
    for candidate in candidates:
        if card_aid.startswith(candidate.aid):
            return candidate
    return None
