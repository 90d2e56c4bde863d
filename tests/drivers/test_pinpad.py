"""ISO 9564 PIN blocks and the emulated EPP: vectors, round trips, and no digit ever leaves."""

from __future__ import annotations

import pytest

from drivers.pinpad.base import PinBlockReady, PinFormat, PinKeyEvent, PinKeyKind
from drivers.pinpad.emulated import EmulatedPinPad, PinKey
from drivers.pinpad.pinblock import (
    PinBlockError,
    format0_clear,
    format0_encrypt,
    format0_pin,
    format4_encrypt,
    format4_pin,
)
from kiosk.errors import ConfigError
from kiosk.events import Key

TDES = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
AES = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
PAN = "5544332211009966"


def test_format0_standard_vector() -> None:
    assert format0_clear("1234", PAN).hex().upper() == "041277CDDEEFF669"


def test_format0_enciphered_round_trip_and_wrong_key() -> None:
    block = format0_encrypt("1234", PAN, TDES)
    assert block != format0_clear("1234", PAN) and len(block) == 8
    assert format0_pin(block, PAN, TDES) == "1234"
    with pytest.raises(PinBlockError):
        format0_pin(block, PAN, bytes(reversed(TDES)))


def test_format4_round_trip_is_bound_to_pan_and_randomised() -> None:
    a = format4_encrypt("98765", "6228480012345678903", AES)
    b = format4_encrypt("98765", "6228480012345678903", AES)
    assert a != b and len(a) == 16  # random fill: same PIN, different blocks
    assert format4_pin(a, "6228480012345678903", AES) == "98765"
    with pytest.raises(PinBlockError):
        format4_pin(a, "6228480012345678911", AES)


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4"])
def test_bad_pins_are_refused(pin: str) -> None:
    with pytest.raises(PinBlockError):
        format0_clear(pin, PAN)


def _pad(fmt: PinFormat = PinFormat.ISO0) -> tuple[EmulatedPinPad, list[object]]:
    events: list[object] = []
    key = PinKey(TDES if fmt is PinFormat.ISO0 else AES, fmt)
    pad = EmulatedPinPad("pinpad", key, events.append)
    pad.begin(PAN)
    return pad, events


def test_pad_reports_only_counts_then_a_block() -> None:
    pad, events = _pad()
    for key in (Key.D1, Key.D2, Key.D3, Key.ENTER, Key.D4, Key.ENTER):
        pad.press(key)
    kinds = [(e.kind, e.digits) for e in events if isinstance(e, PinKeyEvent)]
    assert kinds == [
        (PinKeyKind.DIGIT, 1),
        (PinKeyKind.DIGIT, 2),
        (PinKeyKind.DIGIT, 3),
        (PinKeyKind.REFUSED, 3),  # Enter before the minimum of 4 digits
        (PinKeyKind.DIGIT, 4),
    ]
    block = events[-1]
    assert isinstance(block, PinBlockReady)
    assert format0_pin(bytes.fromhex(block.pin_block), PAN, TDES) == "1234"
    text = repr(events) + repr(pad)
    assert "1234" not in text and block.pin_block not in repr(block)


def test_clear_restarts_and_cancel_ends_without_a_block() -> None:
    pad, events = _pad(PinFormat.ISO4)
    for key in (Key.D9, Key.D9, Key.CLEAR, Key.D1, Key.D2, Key.D3, Key.D4, Key.D5, Key.ENTER):
        pad.press(key)
    block = events[-1]
    assert isinstance(block, PinBlockReady) and block.pin_format is PinFormat.ISO4
    assert format4_pin(bytes.fromhex(block.pin_block), PAN, AES) == "12345"
    pad.begin(PAN)
    pad.press(Key.D1)
    pad.press(Key.CANCEL)
    pad.press(Key.ENTER)  # ignored: entry is over
    assert isinstance(events[-1], PinKeyEvent) and events[-1].kind is PinKeyKind.CANCEL


def test_key_comes_from_the_environment() -> None:
    key = PinKey.from_env({"KIOSK_PIN_KEY": TDES.hex()}, "KIOSK_PIN_KEY", PinFormat.ISO0)
    assert TDES.hex() not in repr(key)
    with pytest.raises(ConfigError):
        PinKey.from_env({}, "KIOSK_PIN_KEY", PinFormat.ISO0)
