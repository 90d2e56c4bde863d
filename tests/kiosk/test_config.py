"""A config file is validated at start-up; every mistake names its key and the expected form."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.config import load_config, parse_config
from kiosk.errors import ConfigError
from kiosk.runtime.registry import DeviceContext, default_registry

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kiosk.toml"
ENV = {"KIOSK_CORE_TOKEN": "s3cret-token", "KIOSK_JOURNAL_KEY": "journal-seal-secret-0001"}


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
    config = parse_config(raw, ENV)
    context = DeviceContext(lambda event: None, tmp_path, tmp_path)
    with pytest.raises(ConfigError, match="escpos-emulated") as caught:
        default_registry().build(config.devices["printer"], context)
    assert caught.value.key == "devices.printer.backend"


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[kiosk\nid = 1")
    with pytest.raises(ConfigError, match="valid TOML"):
        load_config(bad, ENV)
    with pytest.raises(ConfigError, match="readable TOML file"):
        load_config(tmp_path / "missing.toml", ENV)
