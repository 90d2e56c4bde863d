"""The stripe link's framing and swipe layout under garbage: no input crashes or hangs the
reader, bad input is a typed outcome (a NAKed frame, a dropped message, a refused swipe)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from drivers.card_reader.base import StripeRead, StripeReadFailed
from drivers.card_reader.stripe_emulator import CARDS
from drivers.card_reader.stripe_protocol import (
    Ack,
    BadFrame,
    BadSwipe,
    Frame,
    FrameReader,
    Nak,
    encode,
    parse_swipe,
    swipe_payload,
)
from drivers.card_reader.stripe_serial import swipe_event

TODAY = date(2026, 11, 23)


def test_a_swipe_frame_round_trips_through_the_reader() -> None:
    track1, track2 = CARDS["stripe_only"]
    tokens = FrameReader().feed(encode(swipe_payload(3, track1, track2)))
    assert len(tokens) == 1 and isinstance(tokens[0], Frame)
    swipe = parse_swipe(tokens[0].payload)
    assert (swipe.seq, swipe.track1, swipe.track2, swipe.track3) == ("3", track1, track2, "")


def test_a_flipped_bit_anywhere_in_a_frame_never_yields_that_frame() -> None:
    frame = encode(swipe_payload(1, *CARDS["stripe_only"]))
    for index in range(len(frame)):
        for bit in range(8):
            damaged = bytearray(frame)
            damaged[index] ^= 1 << bit
            tokens = FrameReader().feed(bytes(damaged))
            assert not any(isinstance(t, Frame) and t.payload == frame[1:-2] for t in tokens)


@given(st.binary(max_size=600), st.binary(max_size=600))
def test_noise_around_a_frame_never_hides_it(before: bytes, after: bytes) -> None:
    payload = swipe_payload(7, *CARDS["chip_card"])
    reader = FrameReader()
    tokens = reader.feed(before)
    # Whatever the noise left half-open, the next STX starts the frame afresh.
    tokens = reader.feed(encode(payload) + after)
    assert isinstance(tokens[0], Frame) and tokens[0].payload == payload


@given(st.binary(max_size=2000))
def test_any_bytes_give_only_tokens(data: bytes) -> None:
    reader = FrameReader()
    tokens = reader.feed(data)
    assert all(isinstance(t, Frame | BadFrame | Ack | Nak) for t in tokens)
    assert all(len(t.payload) <= 256 for t in tokens if isinstance(t, Frame))


@given(st.binary(max_size=300))
def test_any_payload_is_a_swipe_event_or_a_typed_refusal(payload: bytes) -> None:
    try:
        swipe = parse_swipe(payload)
    except BadSwipe:
        return
    event = swipe_event("stripe", swipe, TODAY)
    assert isinstance(event, StripeRead | StripeReadFailed)


_track_chars = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x5F), max_size=80)


@given(_track_chars, _track_chars)
def test_any_track_text_is_read_or_refused_with_a_card_code(track1: str, track2: str) -> None:
    swipe = parse_swipe(swipe_payload(1, track1.replace("\x1c", ""), track2))
    event = swipe_event("stripe", swipe, TODAY)
    if isinstance(event, StripeReadFailed):
        assert event.code.startswith("CARD_")
    else:
        assert event.card.source == "stripe"
