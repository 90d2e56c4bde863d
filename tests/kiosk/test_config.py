"""A config file is validated at start-up; every mistake names its key and the expected form."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.errors import ConfigError
from kiosk.events import Key
from kiosk.journeys.topup_ic_card_service import card_key
from kiosk.runtime.config import DeviceConfig, load_config, parse_config
from kiosk.runtime.registry import DeviceContext, default_registry
from kiosk.technician.entry_config import hash_pin

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kiosk.toml"
PIN_KEY_HEX = "0123456789ABCDEFFEDCBA9876543210"  # 16 bytes: a TDES key for iso0
IC_CARD_KEY_HEX = "00112233445566778899AABBCCDDEEFF"
TECH_PIN = "482915"
TECH_PIN_HASH = hash_pin(TECH_PIN, bytes.fromhex("a1b2c3d4e5f60718"))  # the field's floor
ENV = {
    "KIOSK_CORE_TOKEN": "s3cret-token",
    "KIOSK_JOURNAL_KEY": "journal-seal-secret-0001",
    "KIOSK_PIN_KEY": PIN_KEY_HEX,
    "KIOSK_IC_CARD_KEY": IC_CARD_KEY_HEX,
    "KIOSK_TECH_PIN_HASH": TECH_PIN_HASH,
}


def _raw() -> dict:
    return tomllib.loads(EXAMPLE.read_text("utf-8"))


def test_the_example_config_is_valid_and_typed() -> None:
    config = load_config(EXAMPLE, ENV)
    assert config.kiosk_id == "kiosk-0001"
    assert config.core.token == "s3cret-token"
    assert config.devices["printer"].options["baudrate"] == 115200
    assert config.timeouts.insert_cash == 90.0
    assert "s3cret" not in repr(config), "the token never shows in a repr or a log line"
    assert "journal-seal" not in repr(config)
    assert config.voice.card_slot == 2 and config.timeouts.warning == 20.0


def test_the_example_shows_every_optional_table_parsed() -> None:
    """Card reader + PIN pad, coin, IC-card reader, operator switch, scanner, technician,
    telemetry."""
    config = load_config(EXAMPLE, ENV)
    assert set(config.devices) == {
        "cash",
        "coin",
        "printer",
        "headphone",
        "card_reader",
        "pinpad",
        "ic_card_reader",
        "operator_switch",
        "scanner",
    }
    reader = config.devices["card_reader"].options
    assert (reader["reader"], reader["wait_ms"], reader["startup_card"]) == (
        "*CCID* 00 00",
        50,
        "retain",
    )
    assert (reader["retry_s"], reader["take_timeout"]) == (0.5, 30.0)
    assert (reader["stripe_port"], reader["stripe_baudrate"], reader["stripe_lrc"]) == (
        "/dev/ttyUSB2",
        9600,
        True,
    )
    pad = config.devices["pinpad"].options
    assert pad["pin_format"] == "iso0" and pad["key"].reveal() == bytes.fromhex(PIN_KEY_HEX)
    assert card_key(config.devices["ic_card_reader"], ENV) == bytes.fromhex(IC_CARD_KEY_HEX)
    assert config.devices["ic_card_reader"].options["reader"] == "*CCID* 01 00"
    assert config.devices["coin"].backend == "cctalk"
    assert config.devices["operator_switch"].backend == "emulated"
    assert config.devices["cash"].options["cashbox_capacity"] == 1000
    tech = config.technician
    assert tech.pin_hash is not None and tech.pin_hash.matches(TECH_PIN)
    assert not tech.pin_hash.matches("000000")
    assert tech.key_sequence[:4] == (Key.CANCEL, Key.CANCEL, Key.CLEAR, Key.ENTER)
    assert (tech.max_failures, tech.lockout_s, tech.pin_length) == (3, 900.0, 6)
    assert tech.technician_for_card("F04B494F534B54", "9999000000000046") == "T-0042"
    assert (config.telemetry.interval_s, config.telemetry.refresh_s) == (60.0, 5.0)
    assert config.voice.engine == "auto" and config.voice.keypad_debounce_s == 0.08
    assert (config.timeouts.core_lookup, config.timeouts.settle_note) == (15.0, 15.0)
    for secret in (PIN_KEY_HEX, IC_CARD_KEY_HEX, TECH_PIN_HASH.split("$")[3]):
        assert secret.lower() not in repr(config).lower()


def test_every_example_device_builds_with_its_backend(tmp_path: Path) -> None:
    """The backend factories accept the example's options (types, ids); nothing is opened."""
    config = load_config(EXAMPLE, ENV)
    context = DeviceContext(lambda event: None, tmp_path, tmp_path)
    registry = default_registry()
    for device in config.devices.values():
        registry.build(device, context).close()


def test_check_config_accepts_the_example(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    assert main(["check-config", str(EXAMPLE)]) == 0
    assert "config ok: kiosk kiosk-0001" in capsys.readouterr().out
    monkeypatch.delenv("KIOSK_PIN_KEY")
    assert main(["check-config", str(EXAMPLE)]) == 2
    assert "devices.pinpad.key_env" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda r: r["kiosk"].pop("id"), "kiosk.id"),
        (lambda r: r["kiosk"].update(currency="XXX"), "kiosk.currency"),
        (lambda r: r["kiosk"].update(default_language="fr"), "kiosk.default_language"),
        (lambda r: r["kiosk"].update(timezone="Mars/Olympus"), "kiosk.timezone"),
        (lambda r: r["core"].update(url="ftp://core"), "core.url"),
        (lambda r: r["core"].update(url="http://core.example.com"), "core.url"),
        (lambda r: r["core"].update(token_env="NOT_SET_ANYWHERE"), "core.token_env"),
        (lambda r: r["devices"].pop("cash"), "devices.cash"),
        (lambda r: r["screen"].update(width="wide"), "screen.width"),
        (lambda r: r["timeouts"].update(menu=-1), "timeouts.menu"),
        (lambda r: r["timeouts"].update(mystery=3), "timeouts.mystery"),
        (lambda r: r["queue"].update(batch_size=True), "queue.batch_size"),
        (lambda r: r["voice"].update(card_slot=13), "voice.card_slot"),
        (lambda r: r["journal"].update(key_env="UNSET_JOURNAL_KEY"), "journal.key_env"),
    ],
)
def test_a_bad_value_names_the_key(mutate, key: str) -> None:
    raw = _raw()
    mutate(raw)
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, ENV)
    assert caught.value.key == key
    assert key in str(caught.value) and "expected" in str(caught.value)


def test_an_unknown_backend_lists_the_known_ones(tmp_path: Path) -> None:
    raw = _raw()
    raw["devices"]["printer"]["backend"] = "laser"
    with pytest.raises(ConfigError, match="escpos-emulated") as caught:
        parse_config(raw, ENV)  # refused at load (check-config), not first at `kiosk run`
    assert caught.value.key == "devices.printer.backend"
    context = DeviceContext(lambda event: None, tmp_path, tmp_path)
    laser = DeviceConfig("printer", "laser", {})  # built directly, as the demo builds its devices
    with pytest.raises(ConfigError, match="escpos-emulated") as caught:
        default_registry().build(laser, context)
    assert caught.value.key == "devices.printer.backend"


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[kiosk\nid = 1")
    with pytest.raises(ConfigError, match="valid TOML"):
        load_config(bad, ENV)
    with pytest.raises(ConfigError, match="readable TOML file"):
        load_config(tmp_path / "missing.toml", ENV)
