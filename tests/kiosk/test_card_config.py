"""[devices.card_reader] and [devices.pinpad] are validated at start-up; no PIN key in the file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from drivers.card_reader.pcsc import PcscCardReader
from drivers.pinpad.base import PinBlockReady
from drivers.pinpad.emulated import EmulatedPinPad
from drivers.pinpad.pinblock import format0_pin
from kiosk.errors import ConfigError
from kiosk.events import Key
from kiosk.runtime.config import parse_config
from kiosk.runtime.registry import DeviceContext, default_registry
from kiosk.technician.entry_config import hash_pin

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kiosk.toml"
PIN_KEY_HEX = "0123456789ABCDEFFEDCBA9876543210"
ENV = {
    "KIOSK_CORE_TOKEN": "s3cret-token",
    "KIOSK_JOURNAL_KEY": "journal-seal-secret-0001",
    "KIOSK_PIN_KEY": PIN_KEY_HEX,
    "KIOSK_IC_CARD_KEY": "00" * 16,  # the example's [devices.ic_card_reader]
    "KIOSK_TECH_PIN_HASH": hash_pin("482915", b"example-salt"),  # the example names it
}


def _raw() -> dict:
    raw = tomllib.loads(EXAMPLE.read_text("utf-8"))
    raw["devices"]["card_reader"] = {"backend": "pcsc", "reader": "*CCID*"}
    raw["devices"]["pinpad"] = {
        "backend": "emulated",
        "pin_format": "iso0",
        "key_env": "KIOSK_PIN_KEY",
    }
    return raw


def test_card_sections_are_typed_and_the_pin_key_never_shows() -> None:
    config = parse_config(_raw(), ENV)
    reader = config.devices["card_reader"]
    assert (reader.backend, reader.options["reader"]) == ("pcsc", "*CCID*")
    assert reader.options["take_timeout"] == 30.0 and reader.options["startup_card"] == "retain"
    pad = config.devices["pinpad"]
    assert pad.options["key"].reveal() == bytes.fromhex(PIN_KEY_HEX)
    for text in (repr(config), str(config)):
        assert PIN_KEY_HEX.lower() not in text.lower() and "0123456789" not in text


def test_card_sections_are_optional() -> None:
    raw = _raw()
    del raw["devices"]["card_reader"], raw["devices"]["pinpad"]
    assert "card_reader" not in parse_config(raw, ENV).devices


def test_the_pin_key_comes_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "pin.key"
    key_file.write_text(PIN_KEY_HEX + "\n")
    raw = _raw()
    raw["devices"]["pinpad"] = {"backend": "emulated", "key_file": str(key_file)}
    pad = parse_config(raw, ENV).devices["pinpad"]
    assert pad.options["key"].reveal() == bytes.fromhex(PIN_KEY_HEX)


def _pad(**options: object) -> dict:
    return {"backend": "emulated", **options}


@pytest.mark.parametrize(
    ("section", "value", "key"),
    [
        ("card_reader", {"backend": "pcsc"}, "devices.card_reader.reader"),
        ("card_reader", {"backend": "pcsc", "reader": ""}, "devices.card_reader.reader"),
        ("card_reader", {"backend": "usb", "reader": "x"}, "devices.card_reader.backend"),
        (
            "card_reader",
            {"backend": "pcsc", "reader": "x", "wait_ms": 5},
            "devices.card_reader.wait_ms",
        ),
        (
            "card_reader",
            {"backend": "pcsc", "reader": "x", "startup_card": "keep"},
            "devices.card_reader.startup_card",
        ),
        (
            "card_reader",
            {"backend": "pcsc", "reader": "x", "take_timeout": 0},
            "devices.card_reader.take_timeout",
        ),
        ("card_reader", {"backend": "pcsc", "reader": "x", "port": 1}, "devices.card_reader.port"),
        ("card_reader", "pcsc", "devices.card_reader"),
        ("pinpad", None, "devices.pinpad"),
        ("pinpad", _pad(key_env="KIOSK_PIN_KEY", pin_format="iso1"), "devices.pinpad.pin_format"),
        ("pinpad", _pad(key=PIN_KEY_HEX), "devices.pinpad.key"),
        ("pinpad", _pad(key_env="UNSET_PIN_KEY"), "devices.pinpad.key_env"),
        ("pinpad", _pad(), "devices.pinpad.key_env"),
        ("pinpad", _pad(key_env="KIOSK_CORE_TOKEN"), "devices.pinpad.key_env"),  # not hex
        ("pinpad", _pad(key_file="/nonexistent/pin.key"), "devices.pinpad.key_file"),
    ],
)
def test_a_bad_card_value_names_the_key(section: str, value: object, key: str) -> None:
    raw = _raw()
    if value is None:
        del raw["devices"][section]
    else:
        raw["devices"][section] = value
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, ENV)
    assert caught.value.key == key
    assert PIN_KEY_HEX not in str(caught.value)


def test_a_key_of_the_wrong_size_for_the_format_is_refused() -> None:
    raw = _raw()
    env = {**ENV, "KIOSK_PIN_KEY": "00" * 32}  # AES-256 size: fine for iso4, not for TDES
    raw["devices"]["pinpad"]["pin_format"] = "iso4"
    assert parse_config(raw, env).devices["pinpad"].options["pin_format"] == "iso4"
    raw["devices"]["pinpad"]["pin_format"] = "iso0"
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, env)
    assert caught.value.key == "devices.pinpad.key_env"


def test_the_registry_builds_the_configured_reader_and_pad(tmp_path: Path) -> None:
    config = parse_config(_raw(), ENV)
    events: list[object] = []
    context = DeviceContext(events.append, tmp_path, tmp_path)
    registry = default_registry()
    reader = registry.build(config.devices["card_reader"], context).device
    pad = registry.build(config.devices["pinpad"], context).device
    assert isinstance(reader, PcscCardReader) and isinstance(pad, EmulatedPinPad)
    pad.begin("5544332211009966")
    for key in (Key.D1, Key.D2, Key.D3, Key.D4, Key.ENTER):
        pad.press(key)
    block = events[-1]
    assert isinstance(block, PinBlockReady)
    # ISO 9564 format 0 enciphered under the key the config resolved from the environment
    pan, key = "5544332211009966", bytes.fromhex(PIN_KEY_HEX)
    assert format0_pin(bytes.fromhex(block.pin_block), pan, key) == "1234"
