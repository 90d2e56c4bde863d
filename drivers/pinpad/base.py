"""The PIN pad contract (after XFS4IoT Keyboard: the host sees key events, then a PIN block).

The host never receives a digit: only "a digit was entered" with the count so far. The clear PIN
lives in the pad's buffer until it is turned into a PIN block and wiped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from kiosk.events import Key


class PinFormat(str, Enum):
    ISO0 = "iso0"  # 8-byte block under the TDES PIN key
    ISO4 = "iso4"  # 16-byte block under the AES PIN key


class PinKeyKind(str, Enum):
    DIGIT = "digit"  # a digit was entered (which one is never said)
    CLEAR = "clear"
    CANCEL = "cancel"
    ENTER = "enter"
    REFUSED = "refused"  # Enter too early, or a digit past the maximum length


@dataclass(frozen=True)
class PinKeyEvent:
    device_id: str
    kind: PinKeyKind
    digits: int  # how many digits are in the buffer now; what the screen shows as dots


@dataclass(frozen=True)
class PinBlockReady:
    device_id: str
    pin_block: str = ""  # hex, enciphered under the PIN key; safe to send, never logged anyway
    pin_format: PinFormat = PinFormat.ISO0

    def __repr__(self) -> str:
        size = len(self.pin_block) // 2
        return f"PinBlockReady({self.device_id!r}, {self.pin_format.value}, <{size} bytes>)"


class PinPad(Protocol):
    device_id: str

    def begin(self, pan: str, *, min_digits: int = 4, max_digits: int = 6) -> None:
        """Starts PIN entry for the card whose PAN the block is bound to."""
        ...

    def press(self, key: Key) -> None:
        """A key from the pad (or from the on-screen keypad for the emulated pad)."""
        ...

    def abort(self) -> None:
        """Ends entry and wipes the buffer without producing a block."""
        ...
