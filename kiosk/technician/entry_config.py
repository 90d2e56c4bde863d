"""The `[technician]` config table: how a technician is recognised and how wrong PINs are punished.

The technician PIN is never in the file or the environment in clear: only a salted PBKDF2 hash
(`pbkdf2_sha256$ITERATIONS$SALT_HEX$HASH_HEX`, made with `hash_pin`) read from the environment
variable named by `pin_hash_env`, or from the file named by `pin_hash_file`. Without one, PIN
entry is refused (the operator switch, which needs the cabinet key, still works).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError
from kiosk.events import Key

SCHEME = "pbkdf2_sha256"
# The floor for PBKDF2-SHA256 (OWASP 2023): a hash read from a kiosk's disk or environment
# must not be brute-forced over a 4-6 digit PIN space in minutes (issue 19 #11: 1,000 was
# accepted). Config loading always applies it; only tests lower it, through the explicit
# `min_iterations` parameter of `hash_pin` / `PinHash.parse`, which no config key reaches.
MIN_ITERATIONS = 600_000
DEFAULT_SEQUENCE = ("cancel", "cancel", "clear", "enter", "0", "0", "0")
DEFAULT_AID = "F04B494F534B54"  # drivers/card_reader/emv/aids.py TECHNICIAN_AID
KNOWN_KEYS = frozenset(
    {
        "pin_hash_env",
        "pin_hash_file",
        "card_aid",
        "card_pan_from",
        "card_pan_to",
        "cards",
        "key_sequence",
        "sequence_window_s",
        "pin_length",
        "max_failures",
        "lockout_s",
        "pin_timeout_s",
        "idle_timeout_s",
    }
)


def hash_pin(
    pin: str, salt: bytes, iterations: int = MIN_ITERATIONS, *, min_iterations: int = MIN_ITERATIONS
) -> str:
    """The stored form of a technician PIN (run once by whoever provisions the kiosk).

    Fewer than MIN_ITERATIONS is refused: a hash the kiosk would refuse at start-up is no use
    to whoever provisions it. `min_iterations` is for tests only (fast PIN checks)."""
    if iterations < min_iterations:
        raise ConfigError(
            "--iterations", f"at least {min_iterations} PBKDF2 iterations", iterations
        )
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"{SCHEME}${iterations}${salt.hex()}${digest.hex()}"


@dataclass(frozen=True)
class PinHash:
    iterations: int
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)

    @classmethod
    def parse(cls, text: str, *, min_iterations: int = MIN_ITERATIONS) -> PinHash:
        """`min_iterations` lowers the floor for tests only; parse_technician (config loading)
        never passes it, so no file or variable can weaken it."""
        parts = text.strip().split("$")
        try:
            scheme, iterations, salt, digest = parts
            parsed = cls(int(iterations), bytes.fromhex(salt), bytes.fromhex(digest))
        except ValueError as exc:
            raise ConfigError("technician.pin_hash", f"{SCHEME}$ITERATIONS$SALT$HASH") from exc
        if scheme != SCHEME or parsed.iterations < min_iterations or len(parsed.salt) < 8:
            raise ConfigError(
                "technician.pin_hash",
                f"{SCHEME}, {min_iterations}+ iterations (make one with `kiosk technician "
                "pin-hash`), 8+ byte salt",
                f"{scheme} with {parsed.iterations} iterations",
            )
        return parsed

    def matches(self, pin: str) -> bool:
        candidate = hashlib.pbkdf2_hmac("sha256", pin.encode(), self.salt, self.iterations)
        return hmac.compare_digest(candidate, self.digest)


@dataclass(frozen=True)
class TechnicianSettings:
    pin_hash: PinHash | None = field(default=None, repr=False)
    card_aid: str = DEFAULT_AID
    card_pan_from: str = "9999000000000000"  # technician cards: PANs in this range, inclusive
    card_pan_to: str = "9999009999999999"
    card_ids: dict[str, str] = field(default_factory=dict, repr=False)  # PAN -> technician id
    key_sequence: tuple[Key, ...] = tuple(Key(k) for k in DEFAULT_SEQUENCE)
    sequence_window_s: float = 10.0  # the hidden sequence must be typed within this time
    pin_length: int = 6
    max_failures: int = 3
    lockout_s: float = 900.0
    pin_timeout_s: float = 30.0
    idle_timeout_s: float = 600.0  # an abandoned maintenance mode returns to service by itself

    def technician_for_card(self, aid: str, pan: str) -> str | None:
        """The technician id of a card, or None when it is not a technician card."""
        if aid.upper() != self.card_aid.upper() or not pan.isdigit():
            return None
        width = len(self.card_pan_from)
        if len(pan) != width or not self.card_pan_from <= pan <= self.card_pan_to:
            return None
        return self.card_ids.get(pan, f"card-{pan[-4:]}")


def parse_technician(table: Any, env: Mapping[str, str] | None = None) -> TechnicianSettings:
    """Validates the raw `[technician]` table (absent = defaults, no PIN entry)."""
    env = os.environ if env is None else env
    if not isinstance(table, dict):
        raise ConfigError("technician", "a table")
    for key in table:
        if key not in KNOWN_KEYS:  # a typo must not silently drop the PIN hash or the lockout
            raise ConfigError(f"technician.{key}", f"one of {sorted(KNOWN_KEYS)}")
    pin_hash = _pin_hash(table, env)
    sequence = table.get("key_sequence", list(DEFAULT_SEQUENCE))
    try:
        keys = tuple(Key(str(k)) for k in sequence)
    except ValueError as exc:
        raise ConfigError("technician.key_sequence", "a list of key names", sequence) from exc
    if len(keys) < 4:
        raise ConfigError("technician.key_sequence", "at least 4 keys", sequence)
    pan_from = str(table.get("card_pan_from", TechnicianSettings.card_pan_from))
    pan_to = str(table.get("card_pan_to", TechnicianSettings.card_pan_to))
    if not (pan_from.isdigit() and pan_to.isdigit() and len(pan_from) == len(pan_to)):
        raise ConfigError("technician.card_pan_from/to", "two PANs of the same length")
    cards = table.get("cards", {})
    if not isinstance(cards, dict):
        raise ConfigError("technician.cards", "a table PAN = technician id")
    return TechnicianSettings(
        pin_hash=pin_hash,
        card_aid=str(table.get("card_aid", DEFAULT_AID)),
        card_pan_from=pan_from,
        card_pan_to=pan_to,
        card_ids={str(k): str(v) for k, v in cards.items()},
        key_sequence=keys,
        sequence_window_s=_number(table, "sequence_window_s", 10.0),
        pin_length=_whole(table, "pin_length", 6),
        max_failures=_whole(table, "max_failures", 3),
        lockout_s=_number(table, "lockout_s", 900.0),
        pin_timeout_s=_number(table, "pin_timeout_s", 30.0),
        idle_timeout_s=_number(table, "idle_timeout_s", 600.0),
    )


def _pin_hash(table: dict[str, Any], env: Mapping[str, str]) -> PinHash | None:
    name = table.get("pin_hash_env", "")
    path = table.get("pin_hash_file", "")
    if name:
        value = env.get(str(name), "")
        if not value:
            raise ConfigError("technician.pin_hash_env", f"variable {name} set to a PIN hash")
        return PinHash.parse(value)
    if path:
        try:
            return PinHash.parse(Path(str(path)).read_text("utf-8"))
        except OSError as exc:
            raise ConfigError("technician.pin_hash_file", "a readable file") from exc
    return None


def _number(table: dict[str, Any], name: str, default: float) -> float:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"technician.{name}", "a positive number", value)
    return float(value)


def _whole(table: dict[str, Any], name: str, default: int) -> int:
    """A count (PIN digits, tries): 6.5 is a typo to refuse, not a 6 to guess."""
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"technician.{name}", "a positive whole number", value)
    return value
