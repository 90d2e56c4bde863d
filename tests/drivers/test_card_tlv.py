"""BER-TLV: EMV examples parse; any byte string either parses or raises MalformedTlv, fast."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.card_reader.emv import tlv
from drivers.card_reader.errors import MalformedTlv


def test_fci_with_nested_templates_and_two_byte_tags() -> None:
    fci = bytes.fromhex("6F1B8407A0000000031010A510500B5649534120435245444954870101")
    items = tlv.parse(fci)
    assert items[0].tag == 0x6F and items[0].constructed
    assert tlv.find(items, 0x84).value == bytes.fromhex("A0000000031010")  # type: ignore[union-attr]
    assert tlv.find(items, 0x50).value == b"VISA CREDIT"  # type: ignore[union-attr]
    assert tlv.find(items, 0x87).value == b"\x01"  # type: ignore[union-attr]


def test_long_form_length_and_padding_between_objects() -> None:
    value = bytes(200)
    data = b"\x00\xff" + tlv.encode(0x9F4B, value) + b"\x00"
    assert data[2:6] == bytes.fromhex("9F4B81C8")
    (item,) = tlv.parse(data)
    assert item.tag == 0x9F4B and item.value == value


def test_dol_lists_tags_and_lengths() -> None:
    assert tlv.parse_dol(bytes.fromhex("9F1A025F2A029A039C019F3704")) == (
        (0x9F1A, 2),
        (0x5F2A, 2),
        (0x9A, 3),
        (0x9C, 1),
        (0x9F37, 4),
    )


@pytest.mark.parametrize(
    "hex_text",
    [
        "5A08123456",  # value shorter than its length
        "9F",  # tag cut after the first byte
        "9F8181800101",  # tag longer than three bytes
        "5A80",  # indefinite length
        "5A850000000001",  # five length bytes
        "5A82",  # length bytes missing
        "70035A0512",  # child overruns its parent
    ],
)
def test_malformed_input_is_a_typed_error(hex_text: str) -> None:
    with pytest.raises(MalformedTlv):
        tlv.parse(bytes.fromhex(hex_text))


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    data = b""
    for _ in range(tlv.MAX_DEPTH + 3):
        data = tlv.encode(0x70, data)
    with pytest.raises(MalformedTlv, match="nesting"):
        tlv.parse(data)


@settings(max_examples=800, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_random_bytes_never_crash(data: bytes) -> None:
    try:
        items = tlv.parse(data)
    except MalformedTlv:
        return
    # Whatever parsed must re-encode to something parseable with the same tags.
    again = tlv.parse(b"".join(tlv.encode(i.tag, i.value) for i in items))
    assert [i.tag for i in again] == [i.tag for i in items]


@st.composite
def _tlv_tree(draw: st.DrawFn, depth: int = 0) -> bytes:
    if depth < 3 and draw(st.booleans()):
        children = draw(st.lists(_tlv_tree(depth + 1), max_size=3))
        return tlv.encode(draw(st.sampled_from([0x70, 0x77, 0xA5, 0x61])), b"".join(children))
    tag = draw(st.sampled_from([0x57, 0x5A, 0x5F20, 0x5F24, 0x9F38, 0x50]))
    return tlv.encode(tag, draw(st.binary(max_size=300)))


@settings(max_examples=400, deadline=None)
@given(_tlv_tree(), st.integers(min_value=0, max_value=5000), st.integers(0, 255))
def test_fuzz_mutated_valid_trees(data: bytes, where: int, byte: int) -> None:
    assert tlv.parse(data)  # a well-formed tree always parses
    mutated = bytearray(data)
    mutated[where % len(mutated)] = byte
    for candidate in (bytes(mutated), data[: where % len(data)]):
        with contextlib.suppress(MalformedTlv):
            tlv.parse(candidate)
