"""One TOML file validated into typed, frozen objects at start-up.

A bad or missing value stops the kiosk with a ConfigError naming the dotted key and the form it
expects, so a technician can fix the file without reading code. A table or key the loader does
not read is refused the same way (kiosk/runtime/config_keys.py lists them), so a typo cannot leave a
default running. Secrets are never in the file's code defaults: the core token comes from the
environment variable the file names (or a file).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.card.config import card_devices
from kiosk.errors import ConfigError
from kiosk.i18n import LANGUAGES
from kiosk.money.amount import MINOR_DIGITS
from kiosk.runtime.config_keys import (
    CARD_KINDS,
    KEYS,
    KINDS,
    REQUIRED_KINDS,
    TABLES,
    check_keys,
    device_options,
)
from kiosk.runtime.device_config import DeviceConfig
from kiosk.runtime.log_output import LogConfig, parse_logging
from kiosk.runtime.registry import default_registry
from kiosk.speech.voice_mode import VoiceConfig
from kiosk.technician.entry_config import TechnicianSettings, parse_technician

T = TypeVar("T")


@dataclass(frozen=True)
class CoreConfig:
    url: str
    token: str = field(repr=False)
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    verify: bool | str = True
    pin_sha256: str = ""  # the core's leaf certificate SHA-256 fingerprint, if pinned


@dataclass(frozen=True)
class ScreenConfig:
    width: int = 1280
    height: int = 1024
    fullscreen: bool = True
    theme: str = "standard"


@dataclass(frozen=True)
class TimeoutConfig:
    """Seconds of customer inactivity per kind of screen, and the visible warning before it."""

    menu: float = 45.0
    input: float = 60.0
    insert_cash: float = 90.0
    confirm: float = 60.0
    result: float = 10.0
    warning: float = 20.0  # spoken and shown; any key extends, as often as the customer needs
    core_lookup: float = 15.0
    print_job: float = 30.0
    sync_wait: float = 8.0
    settle_note: float = 15.0


@dataclass(frozen=True)
class QueueConfig:
    batch_size: int = 20
    backoff_base: float = 1.0
    backoff_cap: float = 300.0


@dataclass(frozen=True)
class TelemetryConfig:
    interval_s: float = 60.0  # heartbeat to the core's /v1/telemetry (fire-and-forget)
    refresh_s: float = 5.0  # local service-state refresh: attract banner, menu gating


@dataclass(frozen=True)
class KioskConfig:
    kiosk_id: str
    currency: str
    data_dir: Path
    default_language: str
    core: CoreConfig
    devices: dict[str, DeviceConfig]
    screen: ScreenConfig = ScreenConfig()
    timeouts: TimeoutConfig = TimeoutConfig()
    queue: QueueConfig = QueueConfig()
    timezone: str = "Asia/Shanghai"  # for what customers read; records stay in UTC
    voice: VoiceConfig = VoiceConfig()
    journal_key: bytes = field(default=b"", repr=False)  # seals the journal (from the environment)
    telemetry: TelemetryConfig = TelemetryConfig()
    technician: TechnicianSettings = field(default_factory=TechnicianSettings, repr=False)
    logging: LogConfig = LogConfig()  # [logging]: JSON lines, rotation, or the journal

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'kiosk.db'}"


@dataclass(frozen=True)
class QueueToolConfig:
    """What `kiosk queue sync|reconcile` need: the kiosk's id and database, and the core."""

    kiosk_id: str
    data_dir: Path
    core: CoreConfig
    queue: QueueConfig = QueueConfig()

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'kiosk.db'}"


def load_config(path: Path, env: dict[str, str] | None = None) -> KioskConfig:
    """Reads and validates `path`; raises ConfigError naming the offending key."""
    return parse_config(_read_toml(path), os.environ if env is None else env)


def load_queue_tool_config(path: Path, env: dict[str, str] | None = None) -> QueueToolConfig:
    """Only `[kiosk]` id/data_dir, `[core]` and `[queue]` of the kiosk's config, validated as
    `load_config` does: a technician syncing the queue from a shell needs the core token, not
    the devices, the journal seal key or the PIN pad key (issue 19 #15)."""
    raw = _read_toml(path)
    kiosk = _table(raw, "kiosk")
    return QueueToolConfig(
        kiosk_id=_kiosk_id(kiosk),
        data_dir=Path(_get(kiosk, "kiosk.data_dir", str, "a directory path")),
        core=_core(_table(raw, "core"), os.environ if env is None else env),
        queue=_queue(_optional(raw, "queue")),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"(file {path})", "a readable TOML file") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"(file {path})", f"valid TOML ({exc})") from exc
    except RecursionError as exc:  # issue 19 #10: a 5,000-deep array broke the parser's stack
        raise ConfigError(f"(file {path})", "TOML nested a sane depth (arrays/tables)") from exc


def _kiosk_id(kiosk: dict[str, Any]) -> str:
    kiosk_id = _get(kiosk, "kiosk.id", str, "an id like 'kiosk-0001'")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", kiosk_id):
        raise ConfigError("kiosk.id", "letters, digits, '.', '_' or '-' (1-64)", kiosk_id)
    return kiosk_id


def parse_config(raw: dict[str, Any], env: dict[str, str] | os._Environ[str]) -> KioskConfig:
    for name in raw:
        if name not in TABLES:
            raise ConfigError(name, f"one of the tables {list(TABLES)}")
    kiosk = _table(raw, "kiosk")
    kiosk_id = _kiosk_id(kiosk)
    currency = _get(kiosk, "kiosk.currency", str, "an ISO 4217 code such as 'CNY'", "CNY")
    if currency not in MINOR_DIGITS:
        raise ConfigError("kiosk.currency", f"one of {sorted(MINOR_DIGITS)}", currency)
    language = _get(kiosk, "kiosk.default_language", str, f"one of {LANGUAGES}", "zh_CN")
    if language not in LANGUAGES:
        raise ConfigError("kiosk.default_language", f"one of {LANGUAGES}", language)
    data_dir = Path(_get(kiosk, "kiosk.data_dir", str, "a directory path"))
    timezone = _get(
        kiosk, "kiosk.timezone", str, "an IANA zone such as 'Asia/Shanghai'", "Asia/Shanghai"
    )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            "kiosk.timezone", "an IANA zone such as 'Asia/Shanghai'", timezone
        ) from exc

    return KioskConfig(
        kiosk_id=kiosk_id,
        currency=currency,
        data_dir=data_dir,
        default_language=language,
        core=_core(_table(raw, "core"), env),
        devices=_devices(_table(raw, "devices"), env) | _card_devices(_table(raw, "devices"), env),
        screen=_screen(_optional(raw, "screen")),
        timeouts=_numbers(raw.get("timeouts", {}), "timeouts", TimeoutConfig),
        queue=_queue(_optional(raw, "queue")),
        timezone=timezone,
        voice=_voice(_optional(raw, "voice")),
        journal_key=_journal_key(_optional(raw, "journal"), env),
        telemetry=_numbers(raw.get("telemetry", {}), "telemetry", TelemetryConfig),
        technician=parse_technician(raw.get("technician", {}), env),
        logging=parse_logging(_optional(raw, "logging")),
    )


def _journal_key(table: Any, env: Any) -> bytes:
    if not isinstance(table, dict):
        raise ConfigError("journal", "a table")
    name = _get(table, "journal.key_env", str, "an environment variable name", "")
    if not name:
        return b""
    value = env.get(name, "")
    if len(value) < 16:
        raise ConfigError("journal.key_env", f"variable {name} set to a secret of 16+ characters")
    return value.encode()


def _core(table: dict[str, Any], env: Any) -> CoreConfig:
    url = _get(table, "core.url", str, "an http(s) URL")
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url):
        raise ConfigError("core.url", "an http(s) URL such as https://core.example.com", url)
    if url.startswith("http://") and not re.match(r"http://(127\.|localhost|\[::1\])", url):
        raise ConfigError("core.url", "https:// (plain http only on loopback)", url)
    token_env = _get(table, "core.token_env", str, "an environment variable name", "")
    token_file = _get(table, "core.token_file", str, "a file path", "")
    token = ""
    if token_env:
        token = env.get(token_env, "")
        if not token:
            raise ConfigError("core.token_env", f"environment variable {token_env} to be set")
    elif token_file:
        try:
            token = Path(token_file).read_text("utf-8").strip()
        except OSError as exc:
            raise ConfigError("core.token_file", "a readable file holding the token") from exc
    if not token:
        raise ConfigError("core.token_env", "the name of the variable holding the kiosk token")
    verify: bool | str = _get(table, "core.verify", bool, "true or false", True)
    ca_file = _get(table, "core.ca_file", str, "a CA bundle path", "")
    if ca_file:
        verify = ca_file
    pin = _get(table, "core.pin_sha256", str, "64 hex digits (colons allowed)", "")
    if pin and not re.fullmatch(r"[0-9a-fA-F]{64}", pin.replace(":", "")):
        raise ConfigError("core.pin_sha256", "64 hex digits (colons allowed)", pin)
    return CoreConfig(
        url=url.rstrip("/"),
        token=token,
        connect_timeout=_positive(table, "core.connect_timeout", 3.05),
        read_timeout=_positive(table, "core.read_timeout", 10.0),
        verify=verify,
        pin_sha256=pin.replace(":", "").lower(),
    )


def _devices(table: dict[str, Any], env: Any) -> dict[str, DeviceConfig]:
    """Every `[devices.X]` but the card reader and PIN pad: a registered backend, known keys.

    The backend ids come from the registry itself, so `check-config` and `run` refuse the same
    typo; the keys each backend reads are listed once, in kiosk/runtime/config_keys.py.
    """
    registry = default_registry()
    check_keys(table, "devices", set(KINDS))
    devices: dict[str, DeviceConfig] = {}
    for kind, entry in table.items():
        if kind in CARD_KINDS:
            continue
        if not isinstance(entry, dict):
            raise ConfigError(
                f"devices.{kind}", f"a table with backend = one of {registry.backends(kind)}"
            )
        backend, options = device_options(kind, entry, registry.backends(kind), env)
        devices[kind] = DeviceConfig(kind, backend, options)
    for kind in REQUIRED_KINDS:  # coin, headphone, IC-card reader, switch: optional
        if kind not in devices:
            raise ConfigError(f"devices.{kind}", 'a table with at least backend = "..."')
    return devices


def _card_devices(table: dict[str, Any], env: Any) -> dict[str, DeviceConfig]:
    """[devices.card_reader] + [devices.pinpad], validated in kiosk/card/config.py."""
    checked = card_devices(table, env).items()
    return {kind: DeviceConfig(kind, backend, options) for kind, (backend, options) in checked}


def _voice(table: Any) -> VoiceConfig:
    """Where things are on this cabinet (clock positions seen from the keypad), and timing."""
    if not isinstance(table, dict):
        raise ConfigError("voice", "a table")
    positions = {}
    for key in ("card_slot", "note_acceptor", "receipt_slot"):
        value = _get(table, f"voice.{key}", int, "a clock position 1-12", getattr(VoiceConfig, key))
        if not 1 <= value <= 12:
            raise ConfigError(f"voice.{key}", "a clock position 1-12", value)
        positions[key] = value
    return VoiceConfig(
        **positions,
        unplugged_grace_s=_positive(table, "voice.unplugged_grace_s", 30.0),
        timeout_factor=_positive(table, "voice.timeout_factor", 3.0),
        keypad_debounce_s=_seconds_or_zero(table, "voice.keypad_debounce_s"),
        engine=_speech_engine(table),
    )


def _speech_engine(table: dict[str, Any]) -> str:
    """Which speech engine to try first; the rest follow in kiosk/speech/select.py's order."""
    names = ("auto", "espeak", "dispatcher", "qt", "null")
    engine = _get(table, "voice.engine", str, " or ".join(names), "auto")
    if engine not in names:
        raise ConfigError("voice.engine", " or ".join(names), engine)
    return engine


def _screen(table: Any) -> ScreenConfig:
    if not isinstance(table, dict):
        raise ConfigError("screen", "a table")
    width = _get(table, "screen.width", int, "pixels, 640-7680", 1280)
    height = _get(table, "screen.height", int, "pixels, 480-4320", 1024)
    if not 640 <= width <= 7680 or not 480 <= height <= 4320:
        raise ConfigError("screen.width/height", "640x480 to 7680x4320", (width, height))
    theme = _get(table, "screen.theme", str, "'standard' or 'large_text'", "standard")
    if theme not in ("standard", "large_text"):
        raise ConfigError("screen.theme", "'standard' or 'large_text'", theme)
    fullscreen = _get(table, "screen.fullscreen", bool, "true or false", True)
    return ScreenConfig(width=width, height=height, fullscreen=fullscreen, theme=theme)


def _queue(table: Any) -> QueueConfig:
    if not isinstance(table, dict):
        raise ConfigError("queue", "a table")
    batch = _get(table, "queue.batch_size", int, "a whole number 1-500", 20)
    if not 1 <= batch <= 500:
        raise ConfigError("queue.batch_size", "a whole number 1-500", batch)
    return QueueConfig(
        batch_size=batch,
        backoff_base=_positive(table, "queue.backoff_base", 1.0),
        backoff_cap=_positive(table, "queue.backoff_cap", 300.0),
    )


def _numbers(table: Any, prefix: str, cls: type[T]) -> T:
    if not isinstance(table, dict):
        raise ConfigError(prefix, "a table")
    defaults = cls()
    known = set(defaults.__dataclass_fields__)  # type: ignore[attr-defined]
    for key in table:
        if key not in known:
            raise ConfigError(f"{prefix}.{key}", f"one of {sorted(known)}")
    values = {k: _positive(table, f"{prefix}.{k}", getattr(defaults, k)) for k in known}
    return cls(**values)


def _table(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise ConfigError(key, f"a [{key}] table")
    if key in KEYS:
        check_keys(value, key, KEYS[key])
    return value


def _optional(raw: dict[str, Any], key: str) -> dict[str, Any]:
    """An optional table (absent: defaults), checked like a required one when present."""
    return _table(raw, key) if key in raw else {}


def _get(table: dict[str, Any], key: str, kind: type[T], expected: str, default: Any = ...) -> T:
    name = key.rsplit(".", 1)[-1]
    if name not in table:
        if default is ...:
            raise ConfigError(key, expected)
        return default
    value = table[name]
    # bool is an int in Python; a TOML `true` must not pass as a number.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(key, expected, value)
    return value


def _seconds_or_zero(table: dict[str, Any], key: str) -> float:
    """Seconds that may be 0 (off); a whole number such as 1 is as good as 1.0."""
    value = table.get(key.rsplit(".", 1)[-1], 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(key, "seconds, 0 or more, e.g. 0.08", value)
    return float(value)


def _positive(table: dict[str, Any], key: str, default: float) -> float:
    name = key.rsplit(".", 1)[-1]
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(key, "a positive number of seconds", value)
    return float(value)
