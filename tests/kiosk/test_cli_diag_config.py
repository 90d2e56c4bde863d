"""`kiosk diag` reads a cabinet's config without its secrets: a technician's shell has none."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.cli.diag import load_without_secrets

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kiosk.toml"
SECRETS = ("KIOSK_CORE_TOKEN", "KIOSK_JOURNAL_KEY", "KIOSK_PIN_KEY", "KIOSK_IC_CARD_KEY")


def test_the_example_loads_with_no_secret_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*SECRETS, "KIOSK_TECH_PIN_HASH"):
        monkeypatch.delenv(name, raising=False)
    raw = tomllib.loads(EXAMPLE.read_text("utf-8"))
    raw.pop("technician")  # a PIN hash placeholder is not a hash: diag needs no technician
    del raw["devices"]["ic_card_reader"]["key_env"]  # the IC-card key's default variable name
    config = load_without_secrets(raw)
    assert {"card_reader", "ic_card_reader", "pinpad"} <= set(config.devices)
