"""`[devices.scanner]`: the example's table loads, each backend builds from the registry with its
own keys, a typo or a wrong mode stops the start-up naming the key, and the emulated backend is
the real serial driver reading the emulator (a scan reaches the bus)."""

from __future__ import annotations

import queue
import time
from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.scanner.base import CodeScanned
from drivers.scanner.hid import HidScanner
from drivers.scanner.serial_scanner import SerialScanner
from kiosk.errors import ConfigError
from kiosk.runtime.config import load_config, parse_config
from kiosk.runtime.registry import DeviceContext, default_registry
from tests.kiosk.test_config import ENV, EXAMPLE, _raw


def _context(tmp_path: Path, sink: object = None) -> DeviceContext:
    return DeviceContext(sink or (lambda event: None), tmp_path, tmp_path)  # type: ignore[arg-type]


def _with_scanner(table: dict) -> dict:
    raw = _raw()
    raw["devices"]["scanner"] = table
    return raw


def test_the_example_scanner_builds_a_serial_scanner_without_opening_it(tmp_path: Path) -> None:
    config = load_config(EXAMPLE, ENV)
    options = config.devices["scanner"].options
    assert options["mode"] == "ascii" and options["retry_s"] == 1.0
    built = default_registry().build(config.devices["scanner"], _context(tmp_path))
    scanner = built.device
    assert isinstance(scanner, SerialScanner)
    assert (scanner.port, scanner.mode, scanner.baudrate) == ("/dev/ttyACM0", "ascii", 9600)
    assert scanner.capabilities.backend == "serial" and not scanner.capabilities.acknowledged
    assert scanner.status().state is DeviceState.OFFLINE  # nothing opened at build time
    built.close()


def test_a_hid_scanner_takes_its_own_keys(tmp_path: Path) -> None:
    raw = _with_scanner({"backend": "hid", "path": "/dev/input/event9", "grab": False})
    config = parse_config(raw, ENV)
    scanner = default_registry().build(config.devices["scanner"], _context(tmp_path)).device
    assert isinstance(scanner, HidScanner) and scanner.capabilities.mode == "keyboard"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"backend": "serial", "port": "/dev/ttyS0", "suffix": "cr"}, "devices.scanner.suffix"),
        ({"backend": "hid", "port": "/dev/ttyS0"}, "devices.scanner.port"),
        ({"backend": "usb", "port": "/dev/ttyS0"}, "devices.scanner.backend"),
        ({"backend": "serial", "port": "/dev/ttyS0", "retry_s": 0}, "devices.scanner.retry_s"),
    ],
)
def test_a_typo_in_the_scanner_table_is_refused_at_load(table: dict, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_with_scanner(table), ENV)
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"backend": "serial", "port": "/dev/ttyS0", "mode": "binary"}, "devices.scanner.mode"),
        (
            {"backend": "serial", "port": "/dev/ttyS0", "max_length": 3},
            "devices.scanner.max_length",
        ),
        ({"backend": "serial"}, "devices.scanner.port"),
    ],
)
def test_a_bad_scanner_value_is_refused_when_built(tmp_path: Path, table: dict, key: str) -> None:
    config = parse_config(_with_scanner(table), ENV)
    with pytest.raises(ConfigError) as caught:
        default_registry().build(config.devices["scanner"], _context(tmp_path))
    assert caught.value.key == key


@pytest.mark.parametrize("mode", ["ascii", "framed"])
def test_the_emulated_scanner_is_the_serial_driver_reading_the_emulator(
    tmp_path: Path, mode: str
) -> None:
    events: queue.Queue[object] = queue.Queue()
    config = parse_config(_with_scanner({"backend": "emulated", "mode": mode}), ENV)
    built = default_registry().build(config.devices["scanner"], _context(tmp_path, events.put))
    try:
        built.device.open()
        deadline = time.monotonic() + 10
        while built.device.status().state is not DeviceState.ONLINE:
            assert time.monotonic() < deadline, "the emulated scanner never came online"
            time.sleep(0.01)
        assert built.emulator.scan("BP1/GAS/123456789/21030/B-GAS-2026-10-0001/53")
        while not isinstance(event := events.get(timeout=5), CodeScanned):
            pass
        assert event.text.startswith("BP1/GAS/")
        assert built.device.capabilities.backend == "emulated"
    finally:
        built.close()
