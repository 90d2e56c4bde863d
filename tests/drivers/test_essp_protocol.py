"""SSP framing as it appears on the wire: the vector from the spec, stuffing, resync."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from drivers.cash.essp_protocol import (
    EsspBadCrc,
    Event,
    Frame,
    FrameDecoder,
    PollEvent,
    UnknownEvent,
    crc16,
    encode_frame,
    parse_poll_events,
)


def test_sync_vector_from_the_spec() -> None:
    assert encode_frame(True, 0, bytes([0x11])) == bytes.fromhex("7F80011165 82")
    assert crc16(bytes([0x80, 0x01, 0x11])) == 0x8265


def test_every_7f_after_stx_is_doubled_and_decodes_back() -> None:
    data = bytes([0x7F, 0x01, 0x7F])
    frame = encode_frame(False, 0, data)
    assert frame[0] == 0x7F and frame[1:].count(b"\x7f\x7f") >= 2
    assert b"\x7f" not in frame[1:].replace(b"\x7f\x7f", b"")
    assert FrameDecoder().feed(frame) == [Frame(False, 0, data)]


def test_frame_split_byte_by_byte_and_garbage_around_it() -> None:
    frame = encode_frame(True, 0, bytes([0xF0, 0xEF, 0x06]))
    decoder = FrameDecoder()
    out = []
    for byte in b"\x00\x7f\x13\xff" + frame + b"\x55":
        out += decoder.feed(bytes([byte]))
    assert out == [Frame(True, 0, bytes([0xF0, 0xEF, 0x06]))]
    assert decoder.discarded > 0


def test_bad_crc_is_reported_not_raised_and_next_frame_still_decodes() -> None:
    bad = bytearray(encode_frame(True, 0, b"\xf0"))
    bad[-1] ^= 0x01
    good = encode_frame(False, 0, b"\xf0")
    out = FrameDecoder().feed(bytes(bad) + good)
    assert isinstance(out[0], EsspBadCrc) and out[0].code == "ESSP_BAD_CRC"
    assert out[1:] == [Frame(False, 0, b"\xf0")]


def test_poll_events_know_which_carry_a_channel() -> None:
    payload = bytes([0xEF, 0x00, 0xEF, 0x06, 0xCC, 0xEE, 0x06, 0xEB, 0xE8])
    assert parse_poll_events(payload) == [
        PollEvent(Event.READ, 0),
        PollEvent(Event.READ, 6),
        PollEvent(Event.STACKING),
        PollEvent(Event.CREDIT, 6),
        PollEvent(Event.STACKED),
        PollEvent(Event.DISABLED),
    ]


def test_unknown_or_truncated_poll_event_does_not_raise() -> None:
    assert parse_poll_events(bytes([0xE8, 0x42, 0x01])) == [
        PollEvent(Event.DISABLED),
        UnknownEvent(0x42, b"\x01"),
    ]
    assert parse_poll_events(bytes([0xEE])) == [UnknownEvent(0xEE)]


@given(
    seq=st.booleans(),
    address=st.integers(0, 0x7E),
    data=st.lists(st.sampled_from([0x7F, 0x00, 0xF0, 0x80]) | st.integers(0, 255), max_size=255),
    split=st.integers(0, 600),
)
def test_round_trip_any_payload_split_anywhere(
    seq: bool, address: int, data: list[int], split: int
) -> None:
    frame = encode_frame(seq, address, bytes(data))
    decoder = FrameDecoder()
    out = decoder.feed(frame[:split]) + decoder.feed(frame[split:])
    assert out == [Frame(seq, address, bytes(data))]


@given(noise=st.binary(max_size=600), chunks=st.integers(1, 20))
def test_decoder_never_raises_on_noise_and_recovers_after_it(noise: bytes, chunks: int) -> None:
    decoder = FrameDecoder()
    step = max(1, len(noise) // chunks)
    for i in range(0, len(noise), step):
        for item in decoder.feed(noise[i : i + step]):
            assert isinstance(item, Frame | EsspBadCrc)
    # After noise the line recovers once a real frame is seen (a pending false start may
    # swallow at most one frame, as on a real device, so send two).
    good = encode_frame(True, 0, b"\xf0")
    out = decoder.feed(good + good)
    assert Frame(True, 0, b"\xf0") in out
