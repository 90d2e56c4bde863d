"""A technician's typo stops the start-up with the dotted key named, instead of running a default.

Every case starts from examples/kiosk.toml (valid, every key shown) and changes one thing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.errors import ConfigError
from kiosk.runtime.config import parse_config
from kiosk.runtime.config_keys import CARD_KINDS, DEVICE_OPTIONS, KINDS
from kiosk.runtime.registry import DeviceContext, default_registry
from tests.kiosk.test_config import ENV, EXAMPLE, IC_CARD_KEY_HEX, _raw


def _refused(raw: dict, env: dict | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, ENV if env is None else env)
    return caught.value


def _at(raw: dict, dotted: str) -> dict:
    table = raw
    for name in dotted.split("."):
        table = table[name]
    return table


@pytest.mark.parametrize(
    ("table", "typo", "meant"),
    [
        ("kiosk", "curency", "currency"),
        ("core", "read_timout", "read_timeout"),
        ("screen", "fulscreen", "fullscreen"),
        ("queue", "batch", "batch_size"),
        ("voice", "enigne", "engine"),
        ("journal", "keyenv", "key_env"),
        ("timeouts", "menu_s", "menu"),
        ("telemetry", "interval", "interval_s"),
        ("technician", "lockout", "lockout_s"),
        ("devices.cash", "pol_interval", "poll_interval"),
        ("devices.coin", "adress", "address"),
        ("devices.printer", "cuter", "cutter"),
        ("devices.headphone", "paht", "path"),
        ("devices.ic_card_reader", "biler", "biller"),
        ("devices.operator_switch", "port", "backend"),
        ("devices.card_reader", "stripe_baud", "stripe_baudrate"),
        ("devices.pinpad", "pinformat", "pin_format"),
    ],
)
def test_a_typo_in_any_table_names_the_dotted_key(table: str, typo: str, meant: str) -> None:
    raw = _raw()
    _at(raw, table)[typo] = 1
    error = _refused(raw)
    assert error.key == f"{table}.{typo}"
    assert f"'{meant}'" in str(error), "the keys that would be understood are listed"


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda r: r.update(vioce={"engine": "qt"}), "vioce"),
        (lambda r: r["devices"].update(scanner={"backend": "usb"}), "devices.scanner"),
        # a key real for another backend of the same device is not read by this one
        (lambda r: r["devices"]["headphone"].update(control="Headphone Jack"), "devices.headphone"),
        (lambda r: r["devices"]["printer"].update(backend="escpos-network"), "devices.printer"),
    ],
)
def test_unknown_tables_and_other_backends_keys_are_refused(mutate, key: str) -> None:
    raw = _raw()
    mutate(raw)
    assert _refused(raw).key.startswith(key)


@pytest.mark.parametrize(
    ("kind", "typo"),
    [
        ("printer", "escpos-seriall"),
        ("cash", "essp-emulator"),
        ("coin", "cc-talk"),
        ("headphone", "jack"),
        ("operator_switch", "keyswitch"),
        ("ic_card_reader", "pc/sc"),
    ],
)
def test_a_wrong_backend_is_refused_at_load_with_the_registered_ones(kind: str, typo: str) -> None:
    raw = _raw()
    raw["devices"][kind]["backend"] = typo
    error = _refused(raw)
    assert error.key == f"devices.{kind}.backend" and typo in str(error)
    for known in default_registry().backends(kind):
        assert known in str(error)


def test_the_key_lists_cover_exactly_the_registered_backends() -> None:
    registry = default_registry()
    registered = {(kind, backend) for kind in KINDS for backend in registry.backends(kind)}
    listed = set(DEVICE_OPTIONS) | {(k, b) for k in CARD_KINDS for b in registry.backends(k)}
    assert registered == listed


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('engine = "auto"', 'enigne = "qt"', "voice.enigne"),
        ('"escpos-serial"', '"escpos-seriall"', "devices.printer.backend"),
        ('"KIOSK_IC_CARD_KEY"', '"UNSET_IC_KEY"', "devices.ic_card_reader.key_env"),
    ],
)
def test_check_config_exits_2_naming_the_key(
    old: str,
    new: str,
    key: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    text = EXAMPLE.read_text("utf-8")
    assert text.count(old) == 1
    config = tmp_path / "kiosk.toml"
    config.write_text(text.replace(old, new), "utf-8")
    assert main(["check-config", str(config)]) == 2
    captured = capsys.readouterr()
    assert key in captured.err and "config ok" not in captured.out
    if key.endswith(".backend"):
        assert "escpos-serial', 'escpos-usb'" in captured.err, "the known backends are listed"


def test_the_ic_card_key_is_checked_at_load_and_never_echoed(tmp_path: Path) -> None:
    env = {k: v for k, v in ENV.items() if k != "KIOSK_IC_CARD_KEY"}
    error = _refused(_raw(), env)
    assert error.key == "devices.ic_card_reader.key_env" and "KIOSK_IC_CARD_KEY" in str(error)
    error = _refused(_raw(), {**ENV, "KIOSK_IC_CARD_KEY": "not-hex-secret"})
    assert error.key == "devices.ic_card_reader.key_env" and "not-hex-secret" not in str(error)
    raw = _raw()
    del raw["devices"]["ic_card_reader"]["key_env"]
    raw["devices"]["ic_card_reader"]["key_file"] = str(tmp_path / "missing.key")
    assert _refused(raw).key == "devices.ic_card_reader.key_file"
    (tmp_path / "missing.key").write_text(IC_CARD_KEY_HEX + "\n")
    config = parse_config(raw, env)  # from the file: the variable is not needed
    assert IC_CARD_KEY_HEX.lower() not in repr(config).lower()


def test_whole_seconds_are_accepted_and_reach_the_device_as_seconds(tmp_path: Path) -> None:
    raw = _raw()
    raw["voice"]["keypad_debounce_s"] = 1
    raw["devices"]["cash"]["poll_interval"] = 1
    raw["devices"]["printer"] = {"backend": "escpos-file", "path": str(tmp_path / "lp0")}
    raw["devices"]["printer"]["status_timeout"] = 2
    config = parse_config(raw, ENV)
    assert config.voice.keypad_debounce_s == 1.0
    assert config.devices["cash"].options["poll_interval"] == 1.0
    context = DeviceContext(lambda event: None, tmp_path, tmp_path)
    default_registry().build(config.devices["printer"], context).close()  # 2 s is a float now


@pytest.mark.parametrize(
    ("table", "name", "value"),
    [
        ("technician", "pin_length", 6.5),
        ("technician", "max_failures", 3.0),
        ("technician", "max_failures", True),
        ("voice", "keypad_debounce_s", -1),
        ("devices.cash", "poll_interval", 0),
        ("devices.printer", "status_timeout", "fast"),
    ],
)
def test_counts_must_be_whole_and_seconds_positive(table: str, name: str, value: object) -> None:
    raw = _raw()
    _at(raw, table)[name] = value
    assert _refused(raw).key == f"{table}.{name}"
