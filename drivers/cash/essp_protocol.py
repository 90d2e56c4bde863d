"""SSP (Smiley Secure Protocol) framing, codes and payload parsing — no I/O here.

Frame: STX 0x7F | SEQ/ID | LEN | DATA | CRC_L | CRC_H. The CRC (poly 0x8005, seed 0xFFFF,
MSB first) covers SEQ/ID..DATA before stuffing; every 0x7F after the STX is sent twice so a
lone 0x7F always means "a frame starts here", which is what lets the decoder resync.
Shared by the driver and the emulator so both sides agree byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from kiosk.errors import DeviceError

STX = 0x7F
HOST_PROTOCOL = 6  # the version the driver asks for; >= 6 adds expanded channel data to setup


class Command(IntEnum):
    RESET = 0x01
    SET_INHIBITS = 0x02
    SETUP_REQUEST = 0x05
    HOST_PROTOCOL_VERSION = 0x06
    POLL = 0x07
    REJECT = 0x08
    DISABLE = 0x09
    ENABLE = 0x0A
    GET_SERIAL = 0x0C
    SYNC = 0x11
    LAST_REJECT_CODE = 0x17
    HOLD = 0x18
    GET_COUNTERS = 0x58  # stacked, stored, dispensed, transferred, rejected: 5 x uint32 LE


class Reply(IntEnum):
    OK = 0xF0
    UNKNOWN = 0xF2
    WRONG_PARAMS = 0xF3
    PARAM_OUT_OF_RANGE = 0xF4
    CANNOT_PROCESS = 0xF5
    SOFTWARE_ERROR = 0xF6
    FAIL = 0xF8
    KEY_NOT_SET = 0xFA


class Event(IntEnum):
    SLAVE_RESET = 0xF1
    READ = 0xEF  # + channel: 0 = still reading, >0 = note held in escrow
    CREDIT = 0xEE  # + channel
    REJECTING = 0xED
    REJECTED = 0xEC
    STACKING = 0xCC
    STACKED = 0xEB
    SAFE_JAM = 0xEA
    UNSAFE_JAM = 0xE9
    DISABLED = 0xE8
    STACKER_FULL = 0xE7
    FRAUD = 0xE6  # + channel
    CASHBOX_REMOVED = 0xE3
    CASHBOX_REPLACED = 0xE4
    NOTE_CLEARED_TO_CASHBOX = 0xE2  # + channel
    NOTE_CLEARED_FROM_FRONT = 0xE1  # + channel


EVENTS_WITH_CHANNEL = frozenset(
    {
        Event.READ,
        Event.CREDIT,
        Event.FRAUD,
        Event.NOTE_CLEARED_TO_CASHBOX,
        Event.NOTE_CLEARED_FROM_FRONT,
    }
)


# --- typed errors (stable codes) ---


class EsspError(DeviceError):
    code = "ESSP_ERROR"


class EsspBadCrc(EsspError):
    code = "ESSP_BAD_CRC"


class EsspTimeout(EsspError):
    code = "ESSP_TIMEOUT"


class EsspNak(EsspError):
    """The device answered, but not with OK (unknown command, bad parameter, cannot process)."""

    code = "ESSP_NAK"

    def __init__(self, command: int, reply_code: int) -> None:
        name = Reply(reply_code).name if reply_code in Reply._value2member_map_ else "?"
        super().__init__(f"command 0x{command:02X} answered 0x{reply_code:02X} ({name})")
        self.command = command
        self.reply_code = reply_code


class EsspMalformed(EsspError):
    code = "ESSP_MALFORMED"


# --- framing ---


def crc16(data: bytes) -> int:
    """CRC-16 poly 0x8005, seed 0xFFFF, no reflection, as SSP uses it."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def encode_frame(seq_bit: bool, address: int, data: bytes) -> bytes:
    if not 0 <= address <= 0x7E:
        raise ValueError(f"SSP address must be 0..0x7E, got {address}")
    if len(data) > 255:
        raise ValueError(f"SSP data is at most 255 bytes, got {len(data)}")
    body = bytes([(0x80 if seq_bit else 0) | address, len(data)]) + data
    crc = crc16(body)
    body += bytes([crc & 0xFF, crc >> 8])
    return bytes([STX]) + body.replace(b"\x7f", b"\x7f\x7f")


@dataclass(frozen=True)
class Frame:
    seq: bool
    address: int
    data: bytes


class FrameDecoder:
    """Incremental, stuffing-aware decoder that survives any byte stream.

    feed() returns decoded Frames and, for frames whose CRC failed, EsspBadCrc instances (not
    raised: the caller decides whether to resend). Bytes that cannot start a frame are dropped
    and counted in `discarded` so the driver can log line noise.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.discarded = 0

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Frame | EsspBadCrc]:
        self._buf += data
        out: list[Frame | EsspBadCrc] = []
        while True:
            start = self._buf.find(STX)
            if start < 0:
                self.discarded += len(self._buf)
                self._buf.clear()
                return out
            if start:
                self.discarded += start
                del self._buf[:start]
            status, used, item = self._parse_one()
            if status == "incomplete":
                return out
            if item is not None:
                out.append(item)
            else:  # aborted by a new STX at `used`: the bytes before it were noise
                self.discarded += used
            del self._buf[:used]

    def _parse_one(self) -> tuple[str, int, Frame | EsspBadCrc | None]:
        """Parses the candidate frame at buf[0] (an STX) into (status, bytes used, item)."""
        buf = self._buf
        raw = bytearray()
        i = 1
        need = 2  # SEQ/ID + LEN; grows once LEN is known
        while len(raw) < need:
            if i >= len(buf):
                return "incomplete", 0, None
            byte = buf[i]
            if byte == STX:
                if i + 1 >= len(buf):
                    return "incomplete", 0, None
                if buf[i + 1] != STX:
                    return "restart", i, None  # a lone 0x7F is a new frame start
                i += 2
            else:
                i += 1
            raw.append(byte)
            if len(raw) == 2:
                need = 2 + raw[1] + 2
        body, crc = bytes(raw[:-2]), raw[-2] | (raw[-1] << 8)
        if crc16(body) != crc:
            return "done", i, EsspBadCrc(f"bad CRC on frame {bytes(buf[:i]).hex(' ')}")
        return "done", i, Frame(bool(body[0] & 0x80), body[0] & 0x7F, body[2:])


# --- payloads ---


@dataclass(frozen=True)
class PollEvent:
    code: Event
    channel: int | None = None  # set only for events that carry a channel byte


@dataclass(frozen=True)
class UnknownEvent:
    """A code we do not know: its length is unknown too, so parsing stops here."""

    code: int
    rest: bytes = b""


def parse_poll_events(payload: bytes) -> list[PollEvent | UnknownEvent]:
    """Events in a POLL/HOLD reply, after the leading OK byte."""
    events: list[PollEvent | UnknownEvent] = []
    i = 0
    while i < len(payload):
        code = payload[i]
        if code not in Event._value2member_map_:
            events.append(UnknownEvent(code, bytes(payload[i + 1 :])))
            break
        event = Event(code)
        if event in EVENTS_WITH_CHANNEL:
            if i + 1 >= len(payload):
                events.append(UnknownEvent(code))  # truncated: channel byte missing
                break
            events.append(PollEvent(event, payload[i + 1]))
            i += 2
        else:
            events.append(PollEvent(event))
            i += 1
    return events


@dataclass(frozen=True)
class SetupInfo:
    unit_type: int
    firmware: str
    currency: str
    protocol: int
    values_minor: tuple[int, ...]  # by channel, channel 1 first


def parse_setup(payload: bytes) -> SetupInfo:
    """SETUP_REQUEST reply of a banknote validator (payload after the OK byte).

    unit type 1 | firmware 4 ASCII | country 3 ASCII | value multiplier 3 BE | n 1 |
    channel values n | channel security n | real value multiplier 3 BE | protocol 1 |
    (protocol >= 6:) channel countries 3n ASCII | channel values 4n LE.
    Minor units = value (expanded if present, else 1-byte value x multiplier) x real multiplier.
    """
    try:
        unit_type = payload[0]
        firmware = payload[1:5].decode("ascii")
        currency = payload[5:8].decode("ascii")
        multiplier = int.from_bytes(payload[8:11], "big")
        n = payload[11]
        values = list(payload[12 : 12 + n])
        pos = 12 + 2 * n
        real_multiplier = int.from_bytes(payload[pos : pos + 3], "big")
        protocol = payload[pos + 3]
        pos += 4
        if protocol >= 6:
            pos += 3 * n
            values = [
                int.from_bytes(payload[pos + 4 * k : pos + 4 * k + 4], "little") for k in range(n)
            ]
            if pos + 4 * n > len(payload):
                raise IndexError("expanded channel values truncated")
        else:
            values = [v * multiplier for v in values]
        if len(values) != n or real_multiplier == 0:
            raise IndexError("channel data truncated")
    except (IndexError, UnicodeDecodeError) as exc:
        raise EsspMalformed(f"setup reply unreadable ({exc}): {payload.hex(' ')}") from exc
    return SetupInfo(
        unit_type, firmware, currency, protocol, tuple(v * real_multiplier for v in values)
    )


@dataclass(frozen=True)
class Counters:
    """GET_COUNTERS: the device's own lifetime counts, kept across power cycles and crashes."""

    stacked: int
    stored: int
    dispensed: int
    transferred: int
    rejected: int


def parse_counters(payload: bytes) -> Counters:
    """Reply after OK: a count byte then that many uint32 LE counters (at least five)."""
    if not payload or payload[0] < 5 or len(payload) < 1 + 4 * payload[0]:
        raise EsspMalformed(f"counters reply unreadable: {payload.hex(' ')}")
    values = [int.from_bytes(payload[1 + 4 * k : 5 + 4 * k], "little") for k in range(5)]
    return Counters(*values)


def encode_counters(counters: Counters) -> bytes:
    values = (
        counters.stacked,
        counters.stored,
        counters.dispensed,
        counters.transferred,
        counters.rejected,
    )
    return bytes([5]) + b"".join(v.to_bytes(4, "little") for v in values)


# LAST_REJECT_CODE reasons a technician reads in maintenance (ITL reject code table, subset).
REJECT_REASONS = {
    0x00: "note accepted",
    0x01: "note length incorrect",
    0x06: "channel inhibited",
    0x07: "second note inserted",
    0x08: "host rejected note",
    0x0B: "validator disabled",
    0x0E: "fraud channel reject",
    0x12: "escrow timeout",
}
REJECT_INHIBITED, REJECT_BY_HOST, REJECT_DISABLED, REJECT_ESCROW_TIMEOUT = 0x06, 0x08, 0x0B, 0x12
