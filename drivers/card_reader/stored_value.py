"""The project's prepaid utility card (gas/electricity): APDUs, MACs, and the host side.

Application (AID F0 4B 49 4F 53 4B 53 56, "KIOSKSV"):
  GET BALANCE  80 5C 00 00 0E        -> card id (8) | balance (4, BE, minor units) | counter (2)
  CREDIT       80 52 00 00 0E <amount 4 | counter 2 | host MAC 8> 08
               -> balance (4) | counter (2) | card MAC 8
Host MAC = HMAC-SHA256(key, "CR" | card id | counter | amount)[:8]; the card checks it and that
`counter` is its current counter (a replayed or stale credit is refused with 6985), applies the
credit, increments the counter and answers with its own MAC over "OK" | card id | counter |
balance, which the host verifies. The counter makes a credit idempotent: after a lost reply the
host re-reads the card — counter+1 and balance+amount mean the credit is on the card. (A real
scheme keeps the key in a SAM; the emulator and the kiosk share it from config here.)
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from drivers.card_reader.apdu import RawTransmit, command, exchange
from drivers.card_reader.errors import CardError

AID = bytes.fromhex("F04B494F534B5356")
INS_GET_BALANCE, INS_CREDIT = 0x5C, 0x52
SW_BAD_MAC, SW_WRONG_COUNTER, SW_OVER_LIMIT, SW_WRITE_FAILED = 0x6988, 0x6985, 0x6A84, 0x6581


class StoredValueError(CardError):
    code = "CARD_STORED_VALUE_ERROR"


class CreditRefused(StoredValueError):
    """The card refused the credit (wrong counter, limit, MAC): nothing was written."""

    code = "CARD_CREDIT_REFUSED"


class CreditUnconfirmed(StoredValueError):
    """No valid answer to CREDIT: it may or may not be on the card; re-read to know."""

    code = "CARD_CREDIT_UNCONFIRMED"


@dataclass(frozen=True)
class CardState:
    card_id: str  # 16 hex digits
    balance_minor: int
    counter: int


def host_mac(key: bytes, card_id: bytes, counter: int, amount: int) -> bytes:
    material = b"CR" + card_id + counter.to_bytes(2, "big") + amount.to_bytes(4, "big")
    return hmac.new(key, material, hashlib.sha256).digest()[:8]


def card_mac(key: bytes, card_id: bytes, counter: int, balance: int) -> bytes:
    material = b"OK" + card_id + counter.to_bytes(2, "big") + balance.to_bytes(4, "big")
    return hmac.new(key, material, hashlib.sha256).digest()[:8]


class StoredValueCard:
    """Host side over any transmit function (PC/SC in the kiosk, the emulator in tests)."""

    def __init__(self, transmit: RawTransmit, key: bytes) -> None:
        self._transmit = transmit
        self._key = key

    def read(self) -> CardState:
        select = exchange(self._transmit, command(0x00, 0xA4, 0x04, 0x00, AID))
        if not select.ok:
            raise StoredValueError(f"not a prepaid utility card (SW {select.sw:04X})")
        reply = exchange(self._transmit, command(0x80, INS_GET_BALANCE, 0, 0, le=14))
        if not reply.ok or len(reply.data) != 14:
            raise StoredValueError(f"balance unreadable (SW {reply.sw:04X})")
        data = reply.data
        return CardState(
            data[:8].hex().upper(),
            int.from_bytes(data[8:12], "big"),
            int.from_bytes(data[12:14], "big"),
        )

    def credit(self, before: CardState, amount_minor: int) -> CardState:
        card_id = bytes.fromhex(before.card_id)
        mac = host_mac(self._key, card_id, before.counter, amount_minor)
        body = amount_minor.to_bytes(4, "big") + before.counter.to_bytes(2, "big") + mac
        try:
            reply = exchange(self._transmit, command(0x80, INS_CREDIT, 0, 0, body, le=14))
        except CardError as exc:
            raise CreditUnconfirmed(f"credit sent, no answer: {exc}") from exc
        if reply.sw in (SW_BAD_MAC, SW_WRONG_COUNTER, SW_OVER_LIMIT):
            raise CreditRefused(f"card refused the credit (SW {reply.sw:04X})")
        if not reply.ok or len(reply.data) != 14:
            raise CreditUnconfirmed(f"credit answer unusable (SW {reply.sw:04X})")
        balance = int.from_bytes(reply.data[:4], "big")
        counter = int.from_bytes(reply.data[4:6], "big")
        if not hmac.compare_digest(reply.data[6:], card_mac(self._key, card_id, counter, balance)):
            raise CreditUnconfirmed("card MAC wrong: answer not trusted, re-read the card")
        return CardState(before.card_id, balance, counter)


def credit_is_on_card(before: CardState, after: CardState, amount_minor: int) -> bool:
    """The read-back check: exactly one credit of `amount` since `before`."""
    return (
        after.card_id == before.card_id
        and after.counter == before.counter + 1
        and after.balance_minor == before.balance_minor + amount_minor
    )
