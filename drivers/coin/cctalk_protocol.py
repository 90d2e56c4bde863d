"""ccTalk framing, headers and payload parsing for a coin acceptor — no I/O here.

Frame: DEST | LEN (data bytes) | SRC | HEADER | DATA... | CHECKSUM, where the checksum makes the
sum of every byte of the frame 0 mod 256 ("simple checksum"). ccTalk is a single-wire bus: the
host hears its own bytes back before the reply (the echo), which the driver reads and checks.
Replies carry header 0 (ACK, with data for requests) or 5 (NAK). Shared by driver and emulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from kiosk.errors import DeviceError

HOST_ADDRESS = 1
COIN_ACCEPTOR_ADDRESS = 2
EVENT_SLOTS = 5  # read buffered credit returns the last five events


class Header(IntEnum):
    ACK = 0
    NAK = 5
    RESET_DEVICE = 1
    REQUEST_COIN_ID = 184
    READ_BUFFERED_CREDIT = 229
    MODIFY_MASTER_INHIBIT = 228
    MODIFY_INHIBIT_STATUS = 231
    REQUEST_SERIAL_NUMBER = 242
    REQUEST_PRODUCT_CODE = 244
    REQUEST_MANUFACTURER_ID = 246
    SIMPLE_POLL = 254


# Error codes in the B byte of an event whose A byte (credit channel) is 0 (ccTalk table, subset).
COIN_ERRORS = {
    0: "null event",
    1: "reject coin",
    2: "inhibited coin",
    3: "multiple window",
    5: "validation timeout",
    8: "second close coin error",
    14: "credit sensor blocked",
    17: "coin going backwards",
    20: "coin on string (fraud)",
    254: "coin return mechanism activated",
}
FRAUD_ERRORS = frozenset({17, 20})


class CcTalkError(DeviceError):
    code = "CCTALK_ERROR"


class CcTalkTimeout(CcTalkError):
    code = "CCTALK_TIMEOUT"


class CcTalkBadChecksum(CcTalkError):
    code = "CCTALK_BAD_CHECKSUM"


class CcTalkEchoMismatch(CcTalkError):
    """The bytes heard back differ from the bytes sent: a collision or a line fault."""

    code = "CCTALK_ECHO_MISMATCH"


class CcTalkNak(CcTalkError):
    code = "CCTALK_NAK"


def checksum(body: bytes) -> int:
    return (-sum(body)) & 0xFF


def encode(dest: int, src: int, header: int, data: bytes = b"") -> bytes:
    if len(data) > 255:
        raise ValueError(f"ccTalk data is at most 255 bytes, got {len(data)}")
    body = bytes([dest, len(data), src, header]) + data
    return body + bytes([checksum(body)])


@dataclass(frozen=True)
class Message:
    dest: int
    src: int
    header: int
    data: bytes


def frame_length(buf: bytes | bytearray) -> int | None:
    """Total length of the frame starting at buf[0], or None until LEN has arrived."""
    return None if len(buf) < 2 else 5 + buf[1]


def decode(frame: bytes) -> Message:
    """One complete frame; raises CcTalkBadChecksum when the bytes do not sum to zero."""
    if len(frame) < 5 or len(frame) != 5 + frame[1]:
        raise CcTalkError(f"frame length wrong: {frame.hex(' ')}")
    if sum(frame) & 0xFF:
        raise CcTalkBadChecksum(f"bad checksum: {frame.hex(' ')}")
    return Message(frame[0], frame[2], frame[3], frame[4:-1])


@dataclass(frozen=True)
class BufferedCredit:
    counter: int  # 0 only after power-up/reset; then 1..255, wrapping to 1
    events: tuple[tuple[int, int], ...]  # (A, B) newest first: A = channel or 0, B = path/error


def parse_buffered_credit(data: bytes) -> BufferedCredit:
    if len(data) != 1 + 2 * EVENT_SLOTS:
        raise CcTalkError(f"buffered credit reply has {len(data)} bytes, expected 11")
    pairs = tuple((data[1 + 2 * k], data[2 + 2 * k]) for k in range(EVENT_SLOTS))
    return BufferedCredit(data[0], pairs)


def new_event_count(last: int, counter: int) -> int:
    """How many events happened between two reads of the counter (1..255 wraps to 1)."""
    if counter == last:
        return 0
    if counter == 0:
        return 0  # the device was reset: its buffer is gone, the caller reports it
    if last == 0:
        return counter
    return counter - last if counter > last else counter + 255 - last


def next_counter(counter: int) -> int:
    return 1 if counter >= 255 else counter + 1


def coin_value_minor(coin_id: str) -> int:
    """Coin id `CC VVV I` (country, value in minor units, issue): `CN100A` = 1.00, `CN050A`."""
    digits = coin_id[2:5]
    return int(digits) if len(coin_id) == 6 and digits.isdigit() else 0
