"""A strict BER-TLV parser for EMV data objects (EMV Book 3 Annex B).

Own code rather than a library, on purpose: EMV uses a small, strict subset of BER (definite
lengths of at most 4 bytes, tags of at most 3 bytes, 00/FF padding between objects), and a card
reader must turn every violation into one typed error (MalformedTlv) with the offset, never an
IndexError or a hang. Generic ASN.1 libraries (pyasn1) accept far more than EMV allows
(indefinite lengths) and the small PyPI TLV packages are unmaintained or lax about truncation.
The whole parser is ~100 lines, iterative over the input with a depth limit, and fuzzed with
hypothesis in tests/drivers/test_card_tlv.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from drivers.card_reader.errors import MalformedTlv

MAX_DEPTH = 8
MAX_TAG_BYTES = 3
MAX_LENGTH_BYTES = 4


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes
    children: tuple[Tlv, ...] = ()

    @property
    def constructed(self) -> bool:
        return _is_constructed(self.tag)

    def find(self, tag: int) -> Tlv | None:
        return find(self.children, tag)


def _is_constructed(tag: int) -> bool:
    first = tag
    while first > 0xFF:
        first >>= 8
    return bool(first & 0x20)


def _read_tag(data: bytes, pos: int) -> tuple[int, int]:
    first = data[pos]
    tag, pos = first, pos + 1
    if first & 0x1F != 0x1F:
        return tag, pos
    for count in range(1, MAX_TAG_BYTES):
        if pos >= len(data):
            raise MalformedTlv(f"tag truncated at offset {pos}")
        byte = data[pos]
        tag, pos = (tag << 8) | byte, pos + 1
        if not byte & 0x80:
            return tag, pos
        if count == MAX_TAG_BYTES - 1:
            break
    raise MalformedTlv(f"tag longer than {MAX_TAG_BYTES} bytes at offset {pos}")


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise MalformedTlv(f"length missing at offset {pos}")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0:
        raise MalformedTlv(f"indefinite length at offset {pos - 1} (not allowed in EMV)")
    if count > MAX_LENGTH_BYTES:
        raise MalformedTlv(f"length of {count} bytes at offset {pos - 1}")
    if pos + count > len(data):
        raise MalformedTlv(f"length truncated at offset {pos}")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def parse(data: bytes, *, depth: int = 0) -> tuple[Tlv, ...]:
    """Parses a sequence of data objects; constructed objects are parsed recursively."""
    if depth > MAX_DEPTH:
        raise MalformedTlv(f"nesting deeper than {MAX_DEPTH}")
    data = bytes(data)
    items: list[Tlv] = []
    pos = 0
    while pos < len(data):
        if data[pos] in (0x00, 0xFF):  # padding between objects (Book 3 Annex B)
            pos += 1
            continue
        tag, pos = _read_tag(data, pos)
        length, pos = _read_length(data, pos)
        end = pos + length
        if end > len(data):
            raise MalformedTlv(f"tag {tag:X} claims {length} bytes, {len(data) - pos} left")
        value = data[pos:end]
        children = parse(value, depth=depth + 1) if _is_constructed(tag) else ()
        items.append(Tlv(tag, value, children))
        pos = end
    return tuple(items)


def walk(items: Iterable[Tlv]) -> Iterator[Tlv]:
    for item in items:
        yield item
        yield from walk(item.children)


def find(items: Iterable[Tlv], tag: int) -> Tlv | None:
    """The first object with `tag`, depth first, or None."""
    return next((item for item in walk(items) if item.tag == tag), None)


def parse_dol(data: bytes) -> tuple[tuple[int, int], ...]:
    """A Data Object List (PDOL, CDOL): tag + length pairs without values."""
    out: list[tuple[int, int]] = []
    pos = 0
    data = bytes(data)
    while pos < len(data):
        tag, pos = _read_tag(data, pos)
        length, pos = _read_length(data, pos)
        out.append((tag, length))
    return tuple(out)


def encode_tag(tag: int) -> bytes:
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def encode(tag: int, value: bytes) -> bytes:
    return encode_tag(tag) + encode_length(len(value)) + bytes(value)
