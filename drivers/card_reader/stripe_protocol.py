"""The serial link of the hybrid reader's magnetic-stripe head: framing, BCC, ACK/NAK.

The project's choice, after the common serial swipe readers (IDTech-style `STX data ETX BCC`
framing with ACK/NAK; MagTek-style track layout where a track the head could not decode is sent
as the single character `E`):

    frame   = STX payload ETX BCC        BCC = XOR of every payload byte and ETX
    link    = the receiver answers ACK (0x06) to a good frame, NAK (0x15) to a bad BCC; the sender
              resends on NAK or when no answer came within its timeout, a few times, then gives up
    payload = 'S' seq FS track1 FS track2 FS track3    a swipe (seq '0'..'9', for duplicates)
              'Q'                                      host asks for the status
              'R' status                               the reader's status ('0' ready, '1' fault)

Each track is the decoded character stream, sentinels included and followed by the track's own
LRC character when the head passes it on; empty when the track holds nothing, `E` when the head
failed to read it. FS (0x1C) lies outside both the 6-bit and 4-bit track character sets, so it
never appears inside a track, not even as an LRC character.

`FrameReader` is shared by the driver and the emulator: it turns any byte stream — partial
frames, line noise, a BCC damaged on the wire — into tokens and never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

STX, ETX, ACK, NAK, FS = 0x02, 0x03, 0x06, 0x15, 0x1C
MAX_PAYLOAD = 256  # three full tracks and separators fit in 240 bytes
TRACK_ERROR = "E"


class Status(str, Enum):
    READY = "0"
    HEAD_FAULT = "1"


def bcc(payload: bytes) -> int:
    value = ETX
    for byte in payload:
        value ^= byte
    return value


def encode(payload: bytes) -> bytes:
    if len(payload) > MAX_PAYLOAD or STX in payload or ETX in payload:
        raise ValueError("payload too long or holds STX/ETX")
    return bytes([STX]) + payload + bytes([ETX, bcc(payload)])


def swipe_payload(seq: int, track1: str, track2: str, track3: str = "") -> bytes:
    tracks = (track1, track2, track3)
    return b"S" + str(seq % 10).encode() + bytes([FS]).join(t.encode("ascii") for t in tracks)


@dataclass(frozen=True)
class Swipe:
    """One swipe as the head decoded it. Track text is card data: never in a repr or a log."""

    seq: str
    track1: str = field(repr=False)
    track2: str = field(repr=False)
    track3: str = field(repr=False, default="")


class BadSwipe(ValueError):
    """A frame that passed its BCC but does not hold a swipe in the agreed layout."""


def parse_swipe(payload: bytes) -> Swipe:
    if len(payload) < 2 or payload[:1] != b"S" or not payload[1:2].isdigit():
        raise BadSwipe("not a swipe message")
    try:
        text = payload[2:].decode("ascii")
    except UnicodeDecodeError as exc:
        raise BadSwipe("track data is not ASCII") from exc
    parts = text.split(chr(FS))
    if len(parts) not in (2, 3):
        raise BadSwipe(f"{len(parts)} track fields, expected 2 or 3")
    return Swipe(payload[1:2].decode(), parts[0], parts[1], parts[2] if len(parts) == 3 else "")


@dataclass(frozen=True)
class Frame:
    payload: bytes = field(repr=False)


@dataclass(frozen=True)
class BadFrame:
    reason: str


@dataclass(frozen=True)
class Ack:
    pass


@dataclass(frozen=True)
class Nak:
    pass


Token = Frame | BadFrame | Ack | Nak


class FrameReader:
    """Incremental deframer. Bytes outside a frame other than ACK/NAK are noise: skipped and
    counted. A new STX inside a frame restarts it (the earlier one was cut short); a frame
    longer than MAX_PAYLOAD is dropped as bad rather than buffered without limit."""

    def __init__(self) -> None:
        self._body: bytearray | None = None
        self._await_bcc = False
        self.skipped = 0

    def feed(self, data: bytes) -> list[Token]:
        tokens: list[Token] = []
        for byte in data:
            token = self._byte(byte)
            if token is not None:
                tokens.append(token)
        return tokens

    def _byte(self, byte: int) -> Token | None:
        if self._await_bcc:
            assert self._body is not None
            payload, self._body, self._await_bcc = bytes(self._body), None, False
            return Frame(payload) if byte == bcc(payload) else BadFrame("BCC mismatch")
        if self._body is None:
            if byte == STX:
                self._body = bytearray()
            elif byte == ACK:
                return Ack()
            elif byte == NAK:
                return Nak()
            else:
                self.skipped += 1
            return None
        if byte == STX:
            self.skipped += len(self._body) + 1
            self._body = bytearray()
            return None
        if byte == ETX:
            self._await_bcc = True
            return None
        self._body.append(byte)
        if len(self._body) > MAX_PAYLOAD:
            self._body = None
            return BadFrame("frame too long")
        return None

    def reset(self) -> None:
        """Forgets a partial frame (after the port was reopened)."""
        self._body, self._await_bcc = None, False
