"""The link readers (ASCII lines, STX/ETX/LRC frames) and the HID key decoder, fed any bytes or
keys: each yields codes or typed refusals and never raises."""

from __future__ import annotations

import importlib.util
import queue
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.base import DeviceState
from drivers.scanner.base import ScannerStateChanged
from drivers.scanner.framing import (
    Ack,
    FrameReader,
    Line,
    LineReader,
    Nak,
    Rejected,
    encode_frame,
)
from drivers.scanner.hid import EV_KEY, KEY_DOWN, KEY_UP, HidScanner, KeyDecoder

CODES = {"SCANNER_GARBAGE", "SCANNER_INPUT_OVERLONG", "SCANNER_FRAME_INVALID"}
CODE = "BP1/SGCC/1234567890/12550/B-SGCC-2026-10-0001/56"


@given(st.binary(max_size=2000), st.integers(len(CODE), 600))
def test_the_line_reader_takes_any_bytes(data: bytes, max_length: int) -> None:
    reader = LineReader(max_length)
    for token in reader.feed(data):
        assert isinstance(token, Line | Rejected)
        if isinstance(token, Line):
            assert 0 < len(token.text) <= max_length and token.text.isprintable()
        else:
            assert token.code in CODES
    assert [t for t in reader.feed(b"\r" + CODE.encode() + b"\r\n")][-1] == Line(CODE)


@given(st.binary(max_size=2000))
def test_the_frame_reader_takes_any_bytes(data: bytes) -> None:
    reader = FrameReader(len(CODE))
    for token in reader.feed(data):
        assert isinstance(token, Line | Rejected | Ack | Nak)
        if isinstance(token, Rejected):
            assert token.code in CODES
    assert reader.feed(encode_frame(CODE.encode()))[-1] == Line(CODE)


@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=64))
def test_a_frame_reads_back_as_its_text(text: str) -> None:
    assert FrameReader().feed(encode_frame(text.encode())) == [Line(text)]


def _type(decoder: KeyDecoder, keys: list[tuple[int, bool]]) -> list[object]:
    tokens: list[object] = []
    for code, shifted in keys:
        if shifted:
            tokens += decoder.feed(EV_KEY, 42, KEY_DOWN)
        tokens += decoder.feed(EV_KEY, code, KEY_DOWN)
        tokens += decoder.feed(EV_KEY, code, KEY_UP)
        if shifted:
            tokens += decoder.feed(EV_KEY, 42, KEY_UP)
    return tokens


def test_hid_keys_become_the_code_and_enter_ends_it() -> None:
    # B P 1 / S G ... as a wedge scanner types them: Shift for capitals, Enter at the end.
    letters = {"B": 48, "P": 25, "S": 31, "G": 34, "C": 46}
    digits = {str(d): 2 + (d - 1) % 10 for d in range(10)}
    keys: list[tuple[int, bool]] = []
    for char in "BP1/SGCC/1234567890-":
        if char in letters:
            keys.append((letters[char], True))
        elif char == "/":
            keys.append((53, False))
        elif char == "-":
            keys.append((12, False))
        else:
            keys.append((digits[char], False))
    keys.append((28, False))
    assert _type(KeyDecoder(), keys) == [Line("BP1/SGCC/1234567890-")]


def test_a_hid_key_with_no_character_makes_the_line_garbage_and_the_next_reads() -> None:
    decoder = KeyDecoder()
    tokens = _type(decoder, [(2, False), (59, False), (28, False), (3, False), (96, False)])
    assert tokens == [Rejected("SCANNER_GARBAGE", "control or non-ASCII bytes"), Line("2")]


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 300), st.integers(-1, 3))))
def test_the_hid_decoder_takes_any_events(events: list[tuple[int, int, int]]) -> None:
    decoder = KeyDecoder(32)
    for kind, code, value in events:
        for token in decoder.feed(kind, code, value):
            assert isinstance(token, Line | Rejected)


def test_hid_without_python_evdev_is_offline_with_a_typed_code(tmp_path: Path) -> None:
    if importlib.util.find_spec("evdev") is not None:
        pytest.skip("python-evdev is installed here: the missing-library path cannot be shown")
    events: queue.Queue[object] = queue.Queue()
    scanner = HidScanner("scanner", str(tmp_path / "event7"), events.put)
    scanner.open()
    try:
        changed = events.get(timeout=5)
    finally:
        scanner.close()
    assert changed == ScannerStateChanged("scanner", DeviceState.OFFLINE, "SCANNER_BACKEND_MISSING")
    assert scanner.self_test().code == "SCANNER_OFFLINE"


@pytest.mark.skipif(
    importlib.util.find_spec("evdev") is None or not Path("/dev/uinput").exists(),
    reason="needs python-evdev (PyPI has only an sdist, built against kernel headers; it is "
    "not installed here) and /dev/uinput to create a virtual keyboard (absent in this container)",
)
def test_hid_scanner_reads_a_virtual_keyboard_and_grabs_it() -> None:  # pragma: no cover
    import time

    evdev = importlib.import_module("evdev")
    from drivers.scanner.base import CodeScanned

    keys = [evdev.ecodes.KEY_1, evdev.ecodes.KEY_2, evdev.ecodes.KEY_ENTER]
    with evdev.UInput({evdev.ecodes.EV_KEY: keys}, name="test-scanner") as keyboard:
        time.sleep(0.5)  # udev makes the node
        events: queue.Queue[object] = queue.Queue()
        scanner = HidScanner("scanner", keyboard.device.path, events.put)
        scanner.open()
        try:
            deadline = time.monotonic() + 5
            while scanner.status().state is not DeviceState.ONLINE:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            for key in keys:
                keyboard.write(evdev.ecodes.EV_KEY, key, 1)
                keyboard.write(evdev.ecodes.EV_KEY, key, 0)
                keyboard.syn()
            while not isinstance(event := events.get(timeout=5), CodeScanned):
                pass
            assert event.text == "12"
        finally:
            scanner.close()
