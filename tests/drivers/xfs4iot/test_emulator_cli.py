"""`kiosk emulate xfs4iot --port 0` as a technician runs it: a separate process whose publisher
URI the drivers connect to, driven from its console (take the notes, type a PIN, faults)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from drivers.dispenser.base import ItemsTaken
from drivers.pinpad.base import PinBlockReady
from drivers.pinpad.pinblock import format4_pin
from drivers.xfs4iot.dispenser import Xfs4IotDispenser
from drivers.xfs4iot.errors import HardwareError
from drivers.xfs4iot.pinpad import Xfs4IotPinPad
from drivers.xfs4iot.token import dispense_token
from tests.drivers.xfs4iot.conftest import PAN, PIN_KEY, TOKEN_KEY, WAIT, Recorder


class Console:
    def __init__(self, *extra: str) -> None:
        env = dict(
            os.environ, KIOSK_DISPENSE_TOKEN_KEY=TOKEN_KEY.hex(), KIOSK_PIN_KEY=PIN_KEY.hex()
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "emulate", "xfs4iot", "--port", "0", *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        self.uri = self.process.stdout.readline().strip()

    def say(self, line: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()


@pytest.fixture
def console() -> Iterator[Console]:
    made = Console()
    try:
        yield made
    finally:
        if made.process.poll() is None:
            assert made.process.stdin is not None
            made.process.stdin.write("quit\n")
            made.process.stdin.close()
            made.process.wait(WAIT)


def test_the_console_emulator_pays_out_and_takes_a_pin(console: Console) -> None:
    assert console.uri.startswith("ws://127.0.0.1:") and console.uri.endswith("/xfs4iot/v1.0")
    events = Recorder()
    dispenser = Xfs4IotDispenser("dispenser", console.uri, events)
    pad = Xfs4IotPinPad("pinpad", console.uri, events)
    dispenser.open()
    pad.open()
    try:
        pad.begin(PAN)
        assert console.say("pin 4321") == "entered"
        block = events.wait_for(PinBlockReady).pin_block
        assert format4_pin(bytes.fromhex(block), PAN, PIN_KEY) == "4321"

        mix = dispenser.denominate(10000, "CNY").result(WAIT)
        nonce = dispenser.command_nonce().result(WAIT)
        dispenser.dispense(mix, dispense_token(TOKEN_KEY, nonce, 10000, "CNY")).result(WAIT)
        dispenser.present().result(WAIT)
        assert console.say("take") == "taken"
        events.wait_for(ItemsTaken)
        assert "unit1=499" in console.say("status")

        assert console.say("fault jam unit2") == "fault jam unit2 armed"
        mix = dispenser.denominate(10000, "CNY").result(WAIT)
        assert dict(mix.counts) == {"unit1": 1}
        mix = dispenser.denominate(5000, "CNY").result(WAIT)
        nonce = dispenser.command_nonce().result(WAIT)
        with pytest.raises(HardwareError):
            dispenser.dispense(mix, dispense_token(TOKEN_KEY, nonce, 5000, "CNY")).result(WAIT)
    finally:
        pad.close()
        dispenser.close()
    assert console.say("bogus").startswith("commands:")


def test_missing_keys_stop_the_emulator_with_the_variable_named() -> None:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_DISPENSE_TOKEN_KEY"}
    env["KIOSK_PIN_KEY"] = PIN_KEY.hex()
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "emulate", "xfs4iot", "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=WAIT,
        check=False,
    )
    assert done.returncode != 0 and "KIOSK_DISPENSE_TOKEN_KEY" in done.stderr


def test_cassettes_from_the_command_line_show_in_storage() -> None:
    console = Console("--cassettes", "100x30,50x0")
    events = Recorder()
    dispenser = Xfs4IotDispenser("dispenser", console.uri, events)
    try:
        dispenser.open()
        units = {u.unit_id: (u.value_minor, u.count, u.replenishment) for u in dispenser.storage()}
        assert units["CST1"] == (10000, 30, "ok") and units["CST2"] == (5000, 0, "empty")
        assert dispenser.health().supplies["CST2"] == "empty"
    finally:
        dispenser.close()
        assert console.say("quit") == ""
        console.process.wait(WAIT)


def test_a_bad_cassette_list_is_refused_by_name() -> None:
    env = dict(os.environ, KIOSK_DISPENSE_TOKEN_KEY=TOKEN_KEY.hex(), KIOSK_PIN_KEY=PIN_KEY.hex())
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "emulate", "xfs4iot", "--port", "0", "--cassettes", "100"],
        capture_output=True,
        text=True,
        env=env,
        timeout=WAIT,
        check=False,
    )
    assert done.returncode != 0 and "--cassettes" in done.stderr
