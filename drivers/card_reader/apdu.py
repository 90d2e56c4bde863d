"""APDU exchange with T=0 status handling, independent of the transport.

T=0 cards cannot return data in the same exchange as a case-4 command: they answer 61xx and wait
for GET RESPONSE; a wrong Le is answered 6Cxx and the command must be re-sent with Le = xx
(ISO 7816-3/-4, EMV Book 1 9.3.1). pcsc-lite does not do either for us, so every command goes
through `exchange`. Loops are bounded so a misbehaving card cannot hang the kiosk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drivers.card_reader.errors import ApduError

RawTransmit = Callable[[bytes], bytes]  # C-APDU -> R-APDU (data + SW1 SW2)
MAX_CHAINED = 32


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        return self.sw == 0x9000


def command(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = 0) -> bytes:
    body = bytes([cla, ins, p1, p2])
    if data:
        body += bytes([len(data)]) + data
    if le is not None:
        body += bytes([le & 0xFF])
    return body


def _split(raw: bytes) -> Response:
    if len(raw) < 2:
        raise ApduError("response shorter than a status word", 0)
    return Response(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))


def exchange(transmit: RawTransmit, apdu: bytes) -> Response:
    """Sends one command and follows 6Cxx / 61xx until the card gives a final status."""
    response = _split(transmit(apdu))
    if response.sw >> 8 == 0x6C:
        # Re-send the same command with the Le the card asked for (a case-2 command).
        has_body = len(apdu) > 5
        resend = apdu[:-1] if (has_body or len(apdu) == 5) else apdu
        response = _split(transmit(resend + bytes([response.sw & 0xFF])))
    data = bytearray(response.data)
    for _ in range(MAX_CHAINED):
        if response.sw >> 8 != 0x61:
            return Response(bytes(data), response.sw)
        get_response = command(0x00, 0xC0, 0x00, 0x00, le=response.sw & 0xFF)
        response = _split(transmit(get_response))
        data += response.data
    raise ApduError("card keeps answering 61xx", response.sw)
