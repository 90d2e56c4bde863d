"""`[voice] engine` in the kiosk config: which speech engine to try first, checked at load."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.errors import ConfigError
from kiosk.runtime.config import parse_config
from kiosk.technician.entry_config import hash_pin

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "kiosk.toml"
ENV = {
    "KIOSK_CORE_TOKEN": "s3cret-token",
    "KIOSK_JOURNAL_KEY": "journal-seal-secret-0001",
    "KIOSK_PIN_KEY": "0123456789ABCDEFFEDCBA9876543210",  # examples/kiosk.toml [devices.pinpad]
    "KIOSK_IC_CARD_KEY": "00" * 16,  # the example's [devices.ic_card_reader]
    "KIOSK_TECH_PIN_HASH": hash_pin("482915", b"example-salt"),  # [technician]
}


def _with_engine(value: object) -> dict:
    raw = tomllib.loads(EXAMPLE.read_text("utf-8"))
    raw.setdefault("voice", {})["engine"] = value
    return raw


def test_engine_defaults_to_auto() -> None:
    raw = tomllib.loads(EXAMPLE.read_text("utf-8"))
    raw.get("voice", {}).pop("engine", None)
    assert parse_config(raw, ENV).voice.engine == "auto"


@pytest.mark.parametrize("name", ["auto", "espeak", "dispatcher", "qt", "null"])
def test_each_engine_name_is_accepted(name: str) -> None:
    assert parse_config(_with_engine(name), ENV).voice.engine == name


@pytest.mark.parametrize("value", ["festival", 3])
def test_a_typo_names_the_key_and_the_choices(value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_with_engine(value), ENV)
    assert "voice.engine" in str(caught.value) and "dispatcher" in str(caught.value)
