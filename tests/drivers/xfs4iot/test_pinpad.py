"""The XFS4IoT EPP driver against the emulated EPP: keys come from the pad, the application sees
only "a digit was entered", and the block is ISO 9564 format 4 under the pad's AES key."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from drivers.base import DeviceState
from drivers.pinpad.base import PinBlockReady, PinFormat, PinKeyEvent, PinKeyKind
from drivers.pinpad.pinblock import format4_pin
from drivers.xfs4iot.emulator import Xfs4IotEmulator
from drivers.xfs4iot.errors import Xfs4IotError
from drivers.xfs4iot.pinpad import PinPadFault, PinPadStateChanged, Xfs4IotPinPad
from kiosk.events import Key
from tests.drivers.xfs4iot.conftest import PAN, PIN_KEY, WAIT, Recorder

NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@pytest.fixture
def pad(emulator: Xfs4IotEmulator, recorder: Recorder) -> Iterator[Xfs4IotPinPad]:
    device = Xfs4IotPinPad("pinpad", emulator.publisher_uri, recorder)
    device.open()
    try:
        yield device
    finally:
        device.close()


def entry_started(emulator: Xfs4IotEmulator) -> None:
    """Waits until the pad runs the PinEntry just begun (keys before it are dropped)."""
    assert emulator.epp.started.acquire(timeout=WAIT)


def type_on_pad(emulator: Xfs4IotEmulator, *keys: str) -> None:
    for key in keys:
        assert emulator.press(key)


def digits(pin: str) -> list[str]:
    return [NAMES[int(d)] for d in pin]


def test_a_pin_typed_on_the_pad_becomes_a_format4_block_bound_to_the_pan(
    pad: Xfs4IotPinPad, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    pad.begin(PAN)
    entry_started(emulator)
    type_on_pad(emulator, *digits("2580"), "enter")
    ready = recorder.wait_for(PinBlockReady)
    assert ready.pin_format is PinFormat.ISO4 and len(ready.pin_block) == 32
    assert format4_pin(bytes.fromhex(ready.pin_block), PAN, PIN_KEY) == "2580"
    keys = recorder.of(PinKeyEvent)
    assert [(k.kind, k.digits) for k in keys] == [(PinKeyKind.DIGIT, n) for n in (1, 2, 3, 4)]
    assert "2580" not in repr(recorder.events) and "2580" not in repr(pad)


def test_clear_starts_again_and_an_early_enter_is_ignored(
    pad: Xfs4IotPinPad, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    pad.begin(PAN, min_digits=4, max_digits=6)
    entry_started(emulator)
    type_on_pad(emulator, *digits("99"), "clear", *digits("123"), "enter")
    mark = recorder.mark()
    type_on_pad(emulator, *digits("4"), "enter")
    ready = recorder.wait_for(PinBlockReady, since=mark)
    assert format4_pin(bytes.fromhex(ready.pin_block), PAN, PIN_KEY) == "1234"
    kinds = [k.kind for k in recorder.of(PinKeyEvent)]
    assert kinds.count(PinKeyKind.CLEAR) == 1 and kinds.count(PinKeyKind.DIGIT) == 6


def test_digits_past_the_maximum_are_ignored_by_the_pad(
    pad: Xfs4IotPinPad, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    pad.begin(PAN, min_digits=4, max_digits=4)
    entry_started(emulator)
    type_on_pad(emulator, *digits("123456"), "enter")
    ready = recorder.wait_for(PinBlockReady)
    assert format4_pin(bytes.fromhex(ready.pin_block), PAN, PIN_KEY) == "1234"
    assert max(k.digits for k in recorder.of(PinKeyEvent)) == 4


def test_cancel_on_the_pad_ends_entry_without_a_block(
    pad: Xfs4IotPinPad, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    pad.begin(PAN)
    entry_started(emulator)
    type_on_pad(emulator, *digits("12"), "cancel")
    cancel = recorder.wait_for(PinKeyEvent, lambda e: e.kind is PinKeyKind.CANCEL)
    assert cancel.digits == 0 and recorder.of(PinBlockReady) == []


def test_on_screen_keys_cannot_type_a_pin(
    pad: Xfs4IotPinPad, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    pad.begin(PAN)
    entry_started(emulator)
    for key in (Key.D1, Key.D2, Key.D3, Key.D4, Key.ENTER):
        pad.press(key)
    pad.abort()  # the host ends entry: the pad completes canceled, the journey hears nothing
    pad.begin(PAN)
    entry_started(emulator)
    type_on_pad(emulator, *digits("1111"), "enter")
    recorder.wait_for(PinBlockReady)
    assert recorder.of(PinKeyEvent)[0].digits == 1
    assert not any(k.kind is PinKeyKind.CANCEL for k in recorder.of(PinKeyEvent))


def test_a_pad_timeout_is_a_fault_then_a_cancel(
    emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    device = Xfs4IotPinPad("pinpad", emulator.publisher_uri, recorder, entry_timeout_s=0.05)
    device.open()
    try:
        device.begin(PAN)
        fault = recorder.wait_for(PinPadFault)
        assert fault.code == "XFS4IOT_TIMEOUT"
        recorder.wait_for(PinKeyEvent, lambda e: e.kind is PinKeyKind.CANCEL)
    finally:
        device.close()


def test_a_pad_without_the_key_faults(emulator: Xfs4IotEmulator, recorder: Recorder) -> None:
    device = Xfs4IotPinPad("pinpad", emulator.publisher_uri, recorder, key_name="OTHER")
    device.open()
    try:
        device.begin(PAN)
        entry_started(emulator)
        type_on_pad(emulator, *digits("1234"), "enter")
        assert recorder.wait_for(PinPadFault).code == "XFS4IOT_COMMAND_ERROR"
        recorder.wait_for(PinKeyEvent, lambda e: e.kind is PinKeyKind.CANCEL)
        assert recorder.of(PinBlockReady) == []
    finally:
        device.close()


def test_a_service_without_format4_is_refused_at_open(
    emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    not_an_epp = Xfs4IotPinPad("pinpad", emulator.service_uri("cashdispenser"), recorder)
    with pytest.raises(Xfs4IotError):
        not_an_epp.open()


def test_an_epp_lost_during_entry_is_a_fault_and_comes_back_online(
    pad: Xfs4IotPinPad, emulator: Xfs4IotEmulator, recorder: Recorder
) -> None:
    pad.begin(PAN)
    entry_started(emulator)
    emulator.vanish("pinpad")
    assert recorder.wait_for(PinPadFault).code == "XFS4IOT_SERVICE_LOST"
    recorder.wait_for(PinKeyEvent, lambda e: e.kind is PinKeyKind.CANCEL)
    recorder.wait_for(PinPadStateChanged, lambda e: e.state is DeviceState.OFFLINE)
    assert pad.health().state is DeviceState.OFFLINE
    mark = recorder.mark()
    emulator.revive("pinpad")
    recorder.wait_for(PinPadStateChanged, lambda e: e.state is DeviceState.ONLINE, since=mark)
    pad.begin(PAN)
    entry_started(emulator)
    type_on_pad(emulator, *digits("2468"), "enter")
    ready = recorder.wait_for(PinBlockReady)
    assert format4_pin(bytes.fromhex(ready.pin_block), PAN, PIN_KEY) == "2468"


def test_on_the_wire_a_digit_key_names_no_digit(emulator: Xfs4IotEmulator) -> None:
    keys = {k: {"terminate": k == "enter"} for k in (*NAMES, "enter")}
    entry = {
        "header": {
            "type": "command",
            "name": "Keyboard.PinEntry",
            "requestId": 1,
            "version": "2.0",
            "timeout": 0,
        },
        "payload": {"minLen": 4, "maxLen": 6, "activeKeys": keys},
    }
    with connect(emulator.service_uri("pinpad")) as raw:
        raw.send(json.dumps(entry))
        entry_started(emulator)
        type_on_pad(emulator, *digits("7395"), "enter")
        frames = []
        while not frames or frames[-1]["header"]["type"] != "completion":
            frames.append(json.loads(raw.recv(WAIT)))
    key_events = [f["payload"] for f in frames if f["header"]["name"] == "Keyboard.KeyEvent"]
    assert key_events[:4] == [{"completion": "continue"}] * 4
    assert frames[-1]["payload"] == {"digits": 4, "completion": "enter"}
    assert not any(name in json.dumps(frames) for name in ("seven", "three", "nine", "five"))
