"""The eSSP fixed key from the config's environment variable; the emulated backend's encryption;
the technician console's tap commands."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kiosk.errors import ConfigError
from kiosk.runtime.config import parse_config
from kiosk.runtime.device_config import DeviceConfig
from kiosk.runtime.registry import DeviceContext, default_registry
from tests.kiosk.test_config import ENV, _raw

KEY_HEX = "0123456789ABCDEF"


def _with_key_env(name: object = "KIOSK_ESSP_FIXED_KEY") -> dict:
    raw = _raw()
    raw["devices"]["cash"]["fixed_key_env"] = name
    return raw


def test_the_fixed_key_is_read_from_the_named_variable() -> None:
    parse_config(_with_key_env(), {**ENV, "KIOSK_ESSP_FIXED_KEY": KEY_HEX})


@pytest.mark.parametrize(
    ("name", "env_value", "expected"),
    [
        ("KIOSK_ESSP_FIXED_KEY", None, "to be set"),
        ("KIOSK_ESSP_FIXED_KEY", "not-a-key-secret", "16 hex digits"),
        ("KIOSK_ESSP_FIXED_KEY", KEY_HEX + "00", "16 hex digits"),
        ("", None, "environment variable name"),
        (7, None, "environment variable name"),
    ],
)
def test_a_missing_or_malformed_fixed_key_stops_the_load(
    name: object, env_value: str | None, expected: str
) -> None:
    env = dict(ENV) if env_value is None else {**ENV, "KIOSK_ESSP_FIXED_KEY": env_value}
    with pytest.raises(ConfigError) as caught:
        parse_config(_with_key_env(name), env)
    assert caught.value.key == "devices.cash.fixed_key_env" and expected in str(caught.value)
    assert "not-a-key-secret" not in str(caught.value), "the value is never echoed"


def test_without_fixed_key_env_the_link_stays_plain_ssp() -> None:
    parse_config(_raw(), ENV)  # the example ships it commented out


def _build(tmp_path: Path, options: dict) -> object:
    ctx = DeviceContext(lambda _e: None, tmp_path, tmp_path)
    return default_registry().build(DeviceConfig("cash", "essp-emulated", options), ctx)


def test_the_emulated_acceptor_is_encrypted_by_default_with_a_fresh_key(tmp_path: Path) -> None:
    first, second = _build(tmp_path, {}), _build(tmp_path, {})
    try:
        for built in (first, second):
            built.device.open()  # type: ignore[attr-defined]
            assert built.device.encrypted and built.emulator.encrypted  # type: ignore[attr-defined]
        assert first.emulator.fixed_key != second.emulator.fixed_key  # type: ignore[attr-defined]
    finally:
        first.close()  # type: ignore[attr-defined]
        second.close()  # type: ignore[attr-defined]


def test_the_emulated_acceptor_can_stay_plain(tmp_path: Path) -> None:
    built = _build(tmp_path, {"encrypted": False})
    try:
        built.device.open()  # type: ignore[attr-defined]
        assert not built.device.encrypted and built.emulator.fixed_key is None  # type: ignore[attr-defined]
    finally:
        built.close()  # type: ignore[attr-defined]


def test_console_forges_a_credit_and_power_cycles(monkeypatch, capsys) -> None:
    from drivers.cash.essp_emulator_cli import run

    monkeypatch.setenv("KIOSK_ESSP_FIXED_KEY", KEY_HEX)
    monkeypatch.setattr("sys.stdin", io.StringIO("forge 100\nreset\nstatus\nquit\n"))
    assert run(link=None, currency="CNY", denominations=(1, 100), cashbox_file=None) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("/dev/")
    assert "forged plain credit 100 armed" in out[1] and "key lost" in out[2]
    assert "encrypted=True keyed=False" in out[3]


def test_console_refuses_a_malformed_key_without_echoing_it(monkeypatch) -> None:
    from drivers.cash.essp_emulator_cli import run

    monkeypatch.setenv("KIOSK_ESSP_FIXED_KEY", "secret-not-hex")
    with pytest.raises(SystemExit) as caught:
        run(link=None, currency="CNY", denominations=(1,), cashbox_file=None)
    assert "secret-not-hex" not in str(caught.value)
