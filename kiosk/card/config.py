"""Validation of `[devices.card_reader]` and `[devices.pinpad]` (both optional, both or neither).

Kept out of kiosk/runtime/config.py so that file stays one screen of general rules. The PIN key
follows the `[core]` token rule: the file names an environment variable (`key_env`) or a key file
(`key_file`) and never holds the key itself; the key is resolved and checked here, at start-up,
and travels as a `SecretKey` whose repr is hidden, so neither a config dump nor a log line can
carry it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError
from kiosk.runtime.config_keys import check_keys

PIN_FORMATS = {"iso0": (16, 24), "iso4": (16, 24, 32)}  # TDES / AES key sizes in bytes
STARTUP_POLICIES = ("retain", "eject")
STRIPE_KEYS = ("stripe_port", "stripe_baudrate", "stripe_lrc")
BAUD_RATES = (9600, 19200, 38400, 57600, 115200)


class SecretKey:
    """Key bytes that never show in a repr, str or comparison of the config."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def reveal(self) -> bytes:
        return self._key

    def __repr__(self) -> str:
        return "SecretKey(<hidden>)"

    __str__ = __repr__


def card_devices(devices: dict[str, Any], env: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """kind -> (backend, checked options) for the card reader and the PIN pad, if configured."""
    reader, pad = devices.get("card_reader"), devices.get("pinpad")
    if reader is None and pad is None:
        return {}
    if reader is None or pad is None:
        missing = "devices.pinpad" if pad is None else "devices.card_reader"
        raise ConfigError(missing, "a table: the card reader and the PIN pad go together")
    return {"card_reader": _card_reader(reader), "pinpad": _pinpad(pad, env)}


def _table(value: Any, key: str, backends: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(key, f"a table with backend = {' or '.join(map(repr, backends))}")
    backend = value.get("backend")
    if backend not in backends:
        raise ConfigError(f"{key}.backend", f"one of {list(backends)}", backend)
    return value


def _card_reader(value: Any) -> tuple[str, dict[str, Any]]:
    key = "devices.card_reader"
    table = _table(value, key, ("pcsc",))
    check_keys(
        table,
        key,
        {"backend", "reader", "wait_ms", "retry_s", "take_timeout", "startup_card", *STRIPE_KEYS},
    )
    reader = table.get("reader", "")
    if not isinstance(reader, str) or not reader.strip():
        raise ConfigError(f"{key}.reader", "a reader name pattern such as '*CCID*'", reader)
    wait_ms = table.get("wait_ms", 50)
    if isinstance(wait_ms, bool) or not isinstance(wait_ms, int) or not 10 <= wait_ms <= 1000:
        raise ConfigError(f"{key}.wait_ms", "milliseconds 10-1000", wait_ms)
    policy = table.get("startup_card", "retain")
    if policy not in STARTUP_POLICIES:
        raise ConfigError(f"{key}.startup_card", f"one of {list(STARTUP_POLICIES)}", policy)
    options = {
        "reader": reader,
        "wait_ms": wait_ms,
        "retry_s": _seconds(table, key, "retry_s", 0.5),
        "take_timeout": _seconds(table, key, "take_timeout", 30.0),
        "startup_card": policy,
        **_stripe_head(table, key),
    }
    return "pcsc", options


def _stripe_head(table: dict[str, Any], key: str) -> dict[str, Any]:
    """A hybrid reader's stripe head on a serial port (absent: chip only)."""
    port = table.get("stripe_port")
    if port is None:
        return {}
    if not isinstance(port, str) or not port.startswith("/"):
        raise ConfigError(f"{key}.stripe_port", "a serial device path such as /dev/ttyUSB1", port)
    baudrate = table.get("stripe_baudrate", 9600)
    if baudrate not in BAUD_RATES:
        raise ConfigError(f"{key}.stripe_baudrate", f"one of {list(BAUD_RATES)}", baudrate)
    lrc = table.get("stripe_lrc", True)
    if not isinstance(lrc, bool):
        raise ConfigError(f"{key}.stripe_lrc", "true when the head passes each track's LRC on", lrc)
    return {"stripe_port": port, "stripe_baudrate": baudrate, "stripe_lrc": lrc}


def _seconds(table: dict[str, Any], key: str, name: str, default: float) -> float:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 600:
        raise ConfigError(f"{key}.{name}", "seconds, more than 0 and at most 600", value)
    return float(value)


def _pinpad(value: Any, env: Any) -> tuple[str, dict[str, Any]]:
    key = "devices.pinpad"
    table = _table(value, key, ("emulated",))
    if "key" in table:
        raise ConfigError(f"{key}.key", "key_env or key_file: the PIN key is never in the file")
    check_keys(table, key, {"backend", "pin_format", "key_env", "key_file"})
    pin_format = table.get("pin_format", "iso0")
    if pin_format not in PIN_FORMATS:
        raise ConfigError(f"{key}.pin_format", f"one of {sorted(PIN_FORMATS)}", pin_format)
    return "emulated", {"pin_format": pin_format, "key": _pin_key(table, key, env, pin_format)}


def _pin_key(table: dict[str, Any], key: str, env: Any, pin_format: str) -> SecretKey:
    """Hex from the named environment variable, else from the named file (like core.token)."""
    key_env, key_file = table.get("key_env", ""), table.get("key_file", "")
    if not isinstance(key_env, str) or not isinstance(key_file, str):
        raise ConfigError(f"{key}.key_env", "an environment variable name (or key_file, a path)")
    if key_env:
        where, text = f"{key}.key_env", env.get(key_env, "")
        if not text:
            raise ConfigError(where, f"environment variable {key_env} to be set")
    elif key_file:
        where = f"{key}.key_file"
        try:
            text = Path(key_file).read_text("utf-8").strip()
        except OSError as exc:
            raise ConfigError(where, "a readable file holding the PIN key as hex") from exc
    else:
        raise ConfigError(f"{key}.key_env", "the name of the variable holding the PIN key")
    sizes = PIN_FORMATS[pin_format]
    if not re.fullmatch(r"(?:[0-9a-fA-F]{2})+", text) or len(text) // 2 not in sizes:
        # The value is not echoed: even a malformed key is a secret.
        raise ConfigError(where, f"a hex key of {'/'.join(map(str, sizes))} bytes for {pin_format}")
    return SecretKey(bytes.fromhex(text))


def card_reader_table(config: Path) -> Any:
    """`[devices.card_reader]` of a kiosk config, read without the rest of its validation (a
    technician at the cabinet has the file but not its secrets); {} when there is none."""
    try:
        raw = tomllib.loads(config.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError("(file)", f"a readable TOML file ({exc})") from exc
    devices = raw.get("devices", {})
    return devices.get("card_reader", {}) if isinstance(devices, dict) else {}
