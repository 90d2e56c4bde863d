"""Every table and key the config loader reads: the one list unknown keys are refused against.

A technician's typo (`enigne = "qt"` under [voice], `pol_interval` under a device) would otherwise
be carried along unread and the kiosk would run on a default; instead it stops the start-up with
the dotted key named. examples/kiosk.toml shows every key listed here. The backend ids come from
the registry (kiosk/runtime/registry.py `default_registry()`); a test keeps this table and the
registry in step. The card reader and the PIN pad are checked by kiosk/card/config.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError

# [timeouts], [telemetry] (kiosk/runtime/config.py _numbers) and [technician] check their own keys.
TABLES = (
    "kiosk",
    "core",
    "devices",
    "screen",
    "timeouts",
    "queue",
    "telemetry",
    "voice",
    "journal",
    "technician",
    "logging",
)
KEYS = {
    "kiosk": frozenset(["id", "currency", "default_language", "data_dir", "timezone"]),
    "core": frozenset(
        [
            "url",
            "token_env",
            "token_file",
            "connect_timeout",
            "read_timeout",
            "verify",
            "ca_file",
            "pin_sha256",
        ]
    ),
    "screen": frozenset(["width", "height", "fullscreen", "theme"]),
    "queue": frozenset(["batch_size", "backoff_base", "backoff_cap"]),
    "voice": frozenset(
        [
            "card_slot",
            "note_acceptor",
            "receipt_slot",
            "unplugged_grace_s",
            "timeout_factor",
            "keypad_debounce_s",
            "engine",
        ]
    ),
    "journal": frozenset({"key_env"}),
    "logging": frozenset({"target", "level", "file", "max_bytes", "backup_count"}),  # log_output
}

_CASHBOX = (
    "cashbox_capacity",
    "cashbox_near_full",
    "overpay_consent",
)  # app.py, telemetry
_PROFILE = ("columns", "width_dots", "cutter", "native_qr", "codepage")  # registry _capabilities
_ESCPOS = (*_PROFILE, "status_timeout")

# (kind, backend) -> the option names its factory (or the kiosk wiring) reads, besides `backend`.
DEVICE_OPTIONS: dict[tuple[str, str], frozenset[str]] = {
    ("cash", "essp"): frozenset({"port", "address", "poll_interval", "fixed_key_env", *_CASHBOX}),
    ("cash", "essp-emulated"): frozenset({"currency", "encrypted", *_CASHBOX}),
    ("coin", "cctalk"): frozenset({"port", "currency", "address", "poll_interval"}),
    ("coin", "cctalk-emulated"): frozenset(),
    ("printer", "escpos-serial"): frozenset({"port", "baudrate", *_ESCPOS}),
    ("printer", "escpos-network"): frozenset({"host", "tcp_port", *_ESCPOS}),
    ("printer", "escpos-usb"): frozenset({"vendor_id", "product_id", "in_ep", "out_ep", *_ESCPOS}),
    ("printer", "escpos-file"): frozenset({"path", "readback", *_ESCPOS}),
    ("printer", "escpos-emulated"): frozenset(_PROFILE),
    ("headphone", "evdev"): frozenset({"path"}),
    ("headphone", "alsa"): frozenset({"card", "control", "poll_interval"}),
    ("headphone", "emulated"): frozenset(),
    ("operator_switch", "emulated"): frozenset(),
    ("ic_card_reader", "pcsc"): frozenset({"reader", "biller", "key_env", "key_file"}),
    ("scanner", "serial"): frozenset({"port", "mode", "baudrate", "max_length", "retry_s"}),
    ("scanner", "hid"): frozenset({"path", "grab", "max_length", "retry_s"}),
    ("scanner", "emulated"): frozenset({"mode"}),
}
CARD_KINDS = ("card_reader", "pinpad")  # validated in kiosk/card/config.py
REQUIRED_KINDS = ("cash", "printer")
KINDS = tuple(dict.fromkeys([*(kind for kind, _ in DEVICE_OPTIONS), *CARD_KINDS]))
# Seconds the factories read as floats: a whole number (`poll_interval = 1`) is made a float here.
SECONDS_OPTIONS = frozenset({"poll_interval", "status_timeout", "retry_s"})
IC_CARD_KEY_ENV = "KIOSK_IC_CARD_KEY"


def check_keys(table: dict[str, Any], key: str, known: set[str] | frozenset[str]) -> None:
    """Refuses the first key of `table` not in `known`, naming it and listing the known ones."""
    for name in table:
        if name not in known:
            raise ConfigError(f"{key}.{name}", f"one of {sorted(known)}")


def device_options(
    kind: str, table: dict[str, Any], backends: list[str], env: Any
) -> tuple[str, dict[str, Any]]:
    """(backend, options) of one `[devices.<kind>]` table whose backend is one of `backends`."""
    key = f"devices.{kind}"
    backend = table.get("backend")
    if not isinstance(backend, str):
        raise ConfigError(f"{key}.backend", f"a backend id, one of {backends}", backend)
    if backend not in backends:
        raise ConfigError(f"{key}.backend", f"one of {backends}", backend)
    check_keys(table, key, {"backend", *DEVICE_OPTIONS.get((kind, backend), ())})
    options = {name: _seconds(table, key, name) for name in table if name != "backend"}
    if kind == "ic_card_reader":
        _ic_card_checks(table, key, env)
    if (kind, backend) == ("cash", "essp"):
        essp_fixed_key(table, key, env)  # eSSP: an unset or malformed key stops check-config
    return backend, options


def _seconds(table: dict[str, Any], key: str, name: str) -> Any:
    value = table[name]
    if name not in SECONDS_OPTIONS:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{key}.{name}", "a positive number of seconds", value)
    return float(value)


def _ic_card_checks(table: dict[str, Any], key: str, env: Any) -> None:
    """The reader pattern, and the card MAC key resolved now (not when the service is built), so
    `kiosk check-config` refuses a kiosk whose key variable is unset. The key is not kept: the
    service resolves it again with the same function when it starts."""
    reader = table.get("reader")
    if not isinstance(reader, str) or not reader.strip():
        raise ConfigError(f"{key}.reader", "a reader name pattern such as '*CCID* 01 00'", reader)
    biller = table.get("biller", "")
    if not isinstance(biller, str):
        raise ConfigError(f"{key}.biller", "a biller code such as 'SGCC'", biller)
    ic_card_key(table, key, env)


def essp_fixed_key(table: Mapping[str, Any], key: str, env: Mapping[str, str]) -> int | None:
    """The note acceptor's 64-bit eSSP fixed key from the variable named by `fixed_key_env`
    (16 hex digits, the number as ITL writes it), or None when the option is absent (plain
    SSP). Never a default: the key is the site's secret. The value is never echoed."""
    name = table.get("fixed_key_env")
    if name is None:
        return None
    where = f"{key}.fixed_key_env"
    if not isinstance(name, str) or not name:
        raise ConfigError(where, "an environment variable name", name)
    text = env.get(name, "").strip()
    if not text:
        raise ConfigError(where, f"environment variable {name} to be set")
    if not re.fullmatch(r"[0-9a-fA-F]{16}", text):
        raise ConfigError(where, "a fixed key of 16 hex digits")
    return int(text, 16)


def ic_card_key(table: Mapping[str, Any], key: str, env: Mapping[str, str]) -> bytes:
    """The IC-card MAC key (hex) from `key_file`, else the variable named by `key_env`
    (default KIOSK_IC_CARD_KEY). Errors name the key; the value is never echoed."""
    key_file, key_env = table.get("key_file"), table.get("key_env", IC_CARD_KEY_ENV)
    if key_file is not None:
        where = f"{key}.key_file"
        if not isinstance(key_file, str) or not key_file:
            raise ConfigError(where, "a path to a file holding the card key as hex", key_file)
        try:
            text = Path(key_file).read_text("utf-8").strip()
        except OSError as exc:
            raise ConfigError(where, "a readable file holding the card key as hex") from exc
    else:
        where = f"{key}.key_env"
        if not isinstance(key_env, str) or not key_env:
            raise ConfigError(where, "an environment variable name", key_env)
        text = env.get(key_env, "").strip()
        if not text:
            raise ConfigError(where, f"environment variable {key_env} to be set")
    if not re.fullmatch(r"(?:[0-9a-fA-F]{2})+", text):
        raise ConfigError(where, "a hex card key")  # the value is a secret: never echoed
    return bytes.fromhex(text)
