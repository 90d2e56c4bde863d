"""The emulated prepaid utility card: the APDU side of drivers.card_reader.stored_value.

It has the VirtualCard shape (`atr`, `reset()`, `process(apdu)`) so the card helper's VpcdLink
serves it in a vpcd slot (slot 1 by project convention) exactly like the EMV cards, and tests
can also call `process` directly. Faults: `fail_next_write` / `fail_writes = n` (the card
answers 6581, nothing written) and `lose_next_reply` (the credit IS written, the answer is
garbage — the case the kiosk must resolve by reading the card back).
"""

from __future__ import annotations

import hmac

from drivers.card_reader.stored_value import (
    AID,
    INS_CREDIT,
    INS_GET_BALANCE,
    SW_BAD_MAC,
    SW_OVER_LIMIT,
    SW_WRITE_FAILED,
    SW_WRONG_COUNTER,
    card_mac,
    host_mac,
)

SW_OK = b"\x90\x00"


def _sw(code: int) -> bytes:
    return code.to_bytes(2, "big")


class EmulatedStoredValueCard:
    def __init__(
        self, card_id: str, key: bytes, *, balance_minor: int = 0, max_balance: int = 10**8
    ) -> None:
        self.card_id = bytes.fromhex(card_id)
        self.key = key
        self.balance = balance_minor
        self.counter = 0
        self.max_balance = max_balance
        self.fail_next_write = False
        self.fail_writes = 0  # this many credits in a row fail (a card whose memory is worn)
        self.lose_next_reply = False
        self._selected = False

    @property
    def atr(self) -> bytes:
        return bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")

    def reset(self) -> None:
        self._selected = False

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return _sw(0x6700)
        cla, ins = apdu[0], apdu[1]
        data = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if cla == 0x00 and ins == 0xA4:
            self._selected = data == AID
            return SW_OK if self._selected else _sw(0x6A82)
        if not self._selected:
            return _sw(0x6985)
        if cla == 0x80 and ins == INS_GET_BALANCE:
            body = self.card_id + self.balance.to_bytes(4, "big") + self.counter.to_bytes(2, "big")
            return body + SW_OK
        if cla == 0x80 and ins == INS_CREDIT and len(data) == 14:
            return self._credit(data)
        return _sw(0x6D00)

    def _credit(self, data: bytes) -> bytes:
        amount = int.from_bytes(data[:4], "big")
        counter = int.from_bytes(data[4:6], "big")
        if counter != self.counter:
            return _sw(SW_WRONG_COUNTER)
        if not hmac.compare_digest(data[6:], host_mac(self.key, self.card_id, counter, amount)):
            return _sw(SW_BAD_MAC)
        if self.balance + amount > self.max_balance:
            return _sw(SW_OVER_LIMIT)
        if self.fail_next_write or self.fail_writes > 0:
            self.fail_next_write = False
            self.fail_writes = max(self.fail_writes - 1, 0)
            return _sw(SW_WRITE_FAILED)
        self.balance += amount
        self.counter += 1
        if self.lose_next_reply:
            self.lose_next_reply = False
            return _sw(SW_WRITE_FAILED)  # written, but the answer says otherwise
        mac = card_mac(self.key, self.card_id, self.counter, self.balance)
        return self.balance.to_bytes(4, "big") + self.counter.to_bytes(2, "big") + mac + SW_OK
