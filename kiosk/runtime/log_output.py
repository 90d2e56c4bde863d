"""Where a running kiosk's log goes: JSON lines in a size-limited rotating file, or the journal.

Why JSON lines: a field technician greps, a log shipper parses; one object per line with the same
keys (`ts`, `level`, `logger`, `thread`, `msg`, `exc`) serves both. Why size limits: a lobby PC
runs for months on a small disk, and a device that faults every second must not fill it — the
file rotates at `max_bytes` and keeps `backup_count` old files, so the log never takes more than
max_bytes × (backup_count + 1). Under systemd (`target = "auto"` and $JOURNAL_STREAM pointing at
our stderr) the lines go to stderr with a `<N>` priority prefix: journald stores them with the
right priority and does its own rotation (SystemMaxUse=).

No secrets: the values of every secret the config resolved (core token, journal key, PIN and
IC-card keys, the technician PIN hash) are replaced by `***` in every field before a line is
written. That is the second line of defence; the first is that no module logs them at all (a
test runs a journey with them configured and greps every line).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError

TARGETS = ("auto", "file", "journal", "stderr")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_KEYS = frozenset({"target", "level", "file", "max_bytes", "backup_count"})
MIN_SECRET = 4  # shorter values would blank ordinary words and numbers
_SYSLOG = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}


@dataclass(frozen=True)
class LogConfig:
    target: str = "auto"
    level: str = "INFO"
    file: str = ""  # "" = <data_dir>/logs/kiosk.jsonl
    max_bytes: int = 10 * 1024 * 1024
    backup_count: int = 5

    def path(self, data_dir: Path) -> Path:
        return Path(self.file) if self.file else data_dir / "logs" / "kiosk.jsonl"


def parse_logging(table: Mapping[str, Any]) -> LogConfig:
    """[logging] -> LogConfig; the keys were checked against LOG_KEYS by the loader."""
    defaults = LogConfig()

    def choice(name: str, allowed: tuple[str, ...]) -> str:
        value = table.get(name, getattr(defaults, name))
        if value not in allowed:
            raise ConfigError(f"logging.{name}", " or ".join(allowed), value)
        return str(value)

    def whole(name: str, low: int, high: int, expected: str) -> int:
        value = table.get(name, getattr(defaults, name))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"logging.{name}", expected, value)
        return value

    file = table.get("file", "")
    if not isinstance(file, str):
        raise ConfigError("logging.file", "a path, or '' for <data_dir>/logs/kiosk.jsonl", file)
    return LogConfig(
        target=choice("target", TARGETS),
        level=choice("level", LEVELS),
        file=file,
        max_bytes=whole("max_bytes", 65_536, 1 << 30, "bytes per file, 65536 to 1073741824"),
        backup_count=whole("backup_count", 1, 100, "old files kept, 1-100"),
    )


class Redactor:
    """Replaces each known secret value by *** (longest first, so a key's prefix cannot win)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        unique = {s for s in secrets if len(s) >= MIN_SECRET}
        self._secrets = sorted(unique, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record; `prefix_priority` adds journald's `<N>` for stderr."""

    def __init__(self, redact: Redactor, *, prefix_priority: bool = False) -> None:
        super().__init__()
        self._redact = redact
        self._prefix = prefix_priority

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "thread": record.threadName,
            "msg": self._redact(record.getMessage()),
        }
        if record.exc_info:
            line["exc"] = self._redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exc"] = self._redact(record.exc_text)
        text = json.dumps(line, ensure_ascii=False)
        if self._prefix:
            return f"<{_SYSLOG.get(record.levelname, 6)}>{text}"
        return text


def under_journald(env: Mapping[str, str], stream: Any = None) -> bool:
    """True when stderr is the journal stream systemd connected us to ($JOURNAL_STREAM is
    `device:inode` of it, systemd.exec(5)); a child that inherited the variable but writes
    elsewhere is not."""
    value = env.get("JOURNAL_STREAM", "")
    if not value:
        return False
    stream = sys.stderr if stream is None else stream
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return value == f"{st.st_dev}:{st.st_ino}"


def install_logging(
    config: LogConfig,
    data_dir: Path,
    *,
    secrets: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
) -> logging.Handler:
    """Replaces the root logger's handlers with the configured one; returns it (tests read it)."""
    env = os.environ if env is None else env
    redact = Redactor(secrets)
    target = config.target
    if target == "auto":
        target = "journal" if under_journald(env) else "file"
    handler: logging.Handler
    if target == "file":
        path = config.path(data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=config.max_bytes, backupCount=config.backup_count, encoding="utf-8"
        )
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter(redact, prefix_priority=target == "journal"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(config.level)
    return handler


def config_secrets(config: Any, env: Mapping[str, str] | None = None) -> list[str]:
    """Every secret value a loaded KioskConfig resolved, in the forms a log could show them."""
    env = os.environ if env is None else env
    found = [config.core.token]
    if config.journal_key:
        found.append(config.journal_key.decode("utf-8", "replace"))
    pin_hash = getattr(config.technician, "pin_hash", None)
    if pin_hash is not None:
        found += [pin_hash.salt.hex(), pin_hash.digest.hex()]
    for device in config.devices.values():
        options = device.options
        if callable(reveal := getattr(options.get("key"), "reveal", None)):  # the PIN key
            found.append(reveal().hex())
        if isinstance(name := options.get("key_env"), str) and env.get(name):
            found.append(env[name].strip())
        if isinstance(path := options.get("key_file"), str) and path:
            try:
                found.append(Path(path).read_text("utf-8").strip())
            except OSError:
                continue  # the device will refuse to start and say why; nothing to hide here
    return [form for s in found if s for form in {s, s.lower(), s.upper()}]
