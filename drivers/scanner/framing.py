"""The scanner's two serial link modes, as incremental readers that never raise.

ASCII mode (the common factory default): the decoded text, then a suffix of CR, LF or CR LF.
Framed mode (a scanner's "packet" option, so the host knows each code arrived whole):

    frame = STX text ETX LRC      STX 0x02, ETX 0x03, LRC = XOR of every text byte and ETX
    link  = the host answers ACK 0x06 to a good frame, NAK 0x15 to a bad LRC or an overlong
            frame; the scanner resends on NAK a few times, then drops the code (and beeps)

Both readers turn any byte stream (partial input, line noise, a damaged or endless frame) into
tokens: `Line`/`Frame` with the text, or `Rejected` with a ScannerError code; bytes outside a
frame are counted in `skipped`. Shared by the driver and the emulator (docs/bill_barcode.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.scanner.base import (
    MAX_CODE_LENGTH,
    ScannerFrameInvalid,
    ScannerGarbage,
    ScannerInputOverlong,
)

STX, ETX, ACK, NAK, CR, LF = 0x02, 0x03, 0x06, 0x15, 0x0D, 0x0A


@dataclass(frozen=True)
class Line:
    """A code's text (ASCII mode, or a good frame). Never in a repr: it may be an account."""

    text: str = field(repr=False)


@dataclass(frozen=True)
class Rejected:
    code: str  # a ScannerError code
    reason: str


@dataclass(frozen=True)
class Ack:
    pass


@dataclass(frozen=True)
class Nak:
    pass


Token = Line | Rejected | Ack | Nak


def lrc(text: bytes) -> int:
    value = ETX
    for byte in text:
        value ^= byte
    return value


def encode_frame(text: bytes) -> bytes:
    if STX in text or ETX in text:
        raise ValueError("text holds STX or ETX")
    return bytes([STX]) + text + bytes([ETX, lrc(text)])


def _text(data: bytes) -> Line | Rejected:
    """Printable ASCII only: anything else is line noise or a wrong baud rate, not a code."""
    if any(byte < 0x20 or byte > 0x7E for byte in data):
        return Rejected(ScannerGarbage.code, "control or non-ASCII bytes")
    return Line(data.decode("ascii"))


class LineReader:
    """ASCII mode. An empty line (the LF of CR LF) is nothing; a line beyond `max_length` is
    dropped whole and reported once, at its suffix, so the next code reads normally."""

    def __init__(self, max_length: int = MAX_CODE_LENGTH) -> None:
        self.max_length = max_length
        self._buffer = bytearray()
        self._overlong = False
        self.skipped = 0

    def feed(self, data: bytes) -> list[Token]:
        tokens: list[Token] = []
        for byte in data:
            if byte in (CR, LF):
                token = self._end()
                if token is not None:
                    tokens.append(token)
            elif self._overlong:
                self.skipped += 1
            elif len(self._buffer) >= self.max_length:
                self._overlong = True
                self.skipped += len(self._buffer) + 1
                self._buffer.clear()
            else:
                self._buffer.append(byte)
        return tokens

    def _end(self) -> Token | None:
        if self._overlong:
            self._overlong = False
            return Rejected(ScannerInputOverlong.code, f"more than {self.max_length} characters")
        if not self._buffer:
            return None
        data, self._buffer = bytes(self._buffer), bytearray()
        return _text(data)

    def pending(self) -> bool:
        return bool(self._buffer) or self._overlong

    def reset(self) -> None:
        """Forgets a partial line (noise that never got its suffix, a port reopened)."""
        self.skipped += len(self._buffer)
        self._buffer.clear()
        self._overlong = False


class FrameReader:
    """Framed mode. A new STX inside a frame restarts it (the earlier one was cut short); a frame
    longer than `max_length` is rejected rather than buffered without limit."""

    def __init__(self, max_length: int = MAX_CODE_LENGTH) -> None:
        self.max_length = max_length
        self._body: bytearray | None = None
        self._await_lrc = False
        self.skipped = 0

    def feed(self, data: bytes) -> list[Token]:
        tokens: list[Token] = []
        for byte in data:
            token = self._byte(byte)
            if token is not None:
                tokens.append(token)
        return tokens

    def _byte(self, byte: int) -> Token | None:
        if self._await_lrc:
            assert self._body is not None
            text, self._body, self._await_lrc = bytes(self._body), None, False
            if byte != lrc(text):
                return Rejected(ScannerFrameInvalid.code, "LRC mismatch")
            return _text(text)
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
        elif byte == ETX:
            self._await_lrc = True
        else:
            self._body.append(byte)
            if len(self._body) > self.max_length:
                self._body = None
                return Rejected(ScannerInputOverlong.code, "frame too long")
        return None

    def pending(self) -> bool:
        return self._body is not None

    def reset(self) -> None:
        if self._body is not None:
            self.skipped += len(self._body)
        self._body, self._await_lrc = None, False
