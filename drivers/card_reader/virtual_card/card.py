"""The virtual card's APDU logic: SELECT (PSE and AID), READ RECORD, GPO, GET RESPONSE.

Speaks ISO 7816-4 / EMV Book 1/3 closely enough that the kiosk's reader cannot tell it from a
real contact card, including the T=0 habits (61xx, 6Cxx) some real cards have.
"""

from __future__ import annotations

import time

from drivers.card_reader.emv import tlv
from drivers.card_reader.virtual_card.profile import AppProfile, CardProfile

PSE = b"1PAY.SYS.DDF01"
SW_OK = b"\x90\x00"


class CardLeft(Exception):
    """Raised by process() when the profile says the card is pulled out now."""


class VirtualCard:
    def __init__(self, profile: CardProfile) -> None:
        self.profile = profile
        self.commands = 0
        self._selected: AppProfile | None = None
        self._pse_selected = False
        self._pending = b""

    @property
    def atr(self) -> bytes:
        return self.profile.atr

    def reset(self) -> None:
        self.commands = 0
        self._selected = None
        self._pse_selected = False
        self._pending = b""

    def process(self, apdu: bytes) -> bytes:
        self.commands += 1
        if self.profile.remove_after is not None and self.commands > self.profile.remove_after:
            raise CardLeft()
        if self.profile.delay_ms:
            time.sleep(self.profile.delay_ms / 1000)
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins = apdu[0], apdu[1]
        if ins == 0xC0 and cla == 0x00:
            return self._get_response(apdu)
        data, le = _body(apdu)
        if ins == 0xA4:
            reply = self._select(data, apdu[3])
        elif ins == 0xB2:
            reply = self._read_record(apdu[2], apdu[3] >> 3)
        elif ins == 0xA8 and cla == 0x80:
            reply = self._gpo(data)
        else:
            return b"\x6d\x00"
        return self._deliver(reply, le, ins)

    def _deliver(self, reply: bytes, le: int | None, ins: int) -> bytes:
        payload, sw = reply[:-2], reply[-2:]
        if not payload:
            return sw
        if self.profile.wrong_le and ins == 0xB2 and le != len(payload) % 256:
            return bytes([0x6C, len(payload) % 256])
        if self.profile.t0_get_response and sw == SW_OK:
            self._pending = payload
            return bytes([0x61, min(len(payload), 255) % 256])
        return reply

    def _get_response(self, apdu: bytes) -> bytes:
        if not self._pending:
            return b"\x69\x85"
        le = apdu[4] if len(apdu) > 4 and apdu[4] else 256
        chunk, self._pending = self._pending[:le], self._pending[le:]
        if self._pending:
            return chunk + bytes([0x61, min(len(self._pending), 255) % 256])
        return chunk + SW_OK

    def _select(self, name: bytes, p2: int) -> bytes:
        self._pending = b""
        if name == PSE:
            if not self.profile.pse:
                return b"\x6a\x82"
            self._pse_selected, self._selected = True, None
            prop = tlv.encode(0x88, b"\x01") + tlv.encode(0x5F2D, b"zhen")
            return tlv.encode(0x6F, tlv.encode(0x84, PSE) + tlv.encode(0xA5, prop)) + SW_OK
        apps = [a for a in self.profile.applications if a.aid.startswith(name)]
        if p2 & 0x02:  # next occurrence: the one after the currently selected
            apps = apps[apps.index(self._selected) + 1 :] if self._selected in apps else []
        if not apps:
            return b"\x6a\x82"
        app = apps[0]
        self._pse_selected, self._selected = False, app
        prop = tlv.encode(0x50, app.label.encode("ascii"))
        if app.priority:
            prop += tlv.encode(0x87, bytes([app.priority]))
        if app.pdol:
            prop += tlv.encode(0x9F38, app.pdol)
        fci = tlv.encode(0x6F, tlv.encode(0x84, app.aid) + tlv.encode(0xA5, prop))
        return fci + (b"\x62\x83" if app.blocked else SW_OK)

    def _directory_record(self) -> bytes:
        entries = b""
        for app in self.profile.applications:
            inner = tlv.encode(0x4F, app.aid) + tlv.encode(0x50, app.label.encode("ascii"))
            if app.priority:
                inner += tlv.encode(0x87, bytes([app.priority]))
            entries += tlv.encode(0x61, inner)
        return tlv.encode(0x70, entries)

    def _read_record(self, number: int, sfi: int) -> bytes:
        if self._pse_selected:
            if sfi == 1 and number == 1:
                return self._directory_record() + SW_OK
            return b"\x6a\x83"
        if self._selected is None:
            return b"\x69\x85"
        for record in self._selected.records:
            if record.sfi == sfi and record.number == number:
                return record.body + SW_OK
        return b"\x6a\x83"

    def _gpo(self, data: bytes) -> bytes:
        app = self._selected
        if app is None or app.blocked:
            return b"\x69\x85"
        expected = sum(length for _, length in tlv.parse_dol(app.pdol))
        if data[:1] != b"\x83" or len(data) < 2 or data[1] != expected:
            return b"\x67\x00"
        body = tlv.encode(0x82, b"\x19\x80") + tlv.encode(0x94, app.afl())
        return tlv.encode(0x77, body) + SW_OK


def _body(apdu: bytes) -> tuple[bytes, int | None]:
    """Command data and Le of a short APDU (cases 1-4)."""
    if len(apdu) == 4:
        return b"", None
    if len(apdu) == 5:
        return b"", apdu[4]
    lc = apdu[4]
    data = apdu[5 : 5 + lc]
    le = apdu[5 + lc] if len(apdu) > 5 + lc else None
    return data, le
