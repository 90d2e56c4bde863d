"""Runs the reference core from the command line (the lead's CLI wires flags and env to this).

Secrets come from the environment, never from code or argv, so they do not show up in `ps`
output or in the repository:
  CORE_KIOSK_TOKENS   "kiosk-1:token,kiosk-2:token"      each kiosk's bearer token
  CORE_PIN_KEYS       "kiosk-1:iso0:<hex>,kiosk-2:iso4:<hex>"   each kiosk's PIN key (format 0
                      under a double/triple-length TDES key, format 4 under AES-128/192/256)
  CORE_PIN_KEYS_FILE  a file with the same entries (commas or one per line, # comments), for
                      keys kept out of the environment; both may be given, a kiosk only once
Without PIN keys the core serves everything but card authorizations (403 NO_PIN_KEY).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from core_system.cards import CardIssuer
from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import SystemClock

logger = logging.getLogger(__name__)


def parse_tokens(text: str) -> dict[str, str]:
    """Parses "kiosk-1:secret,kiosk-2:secret2"; raises ValueError naming the bad entry's kiosk
    (never the secret)."""
    tokens: dict[str, str] = {}
    for number, entry in enumerate(part.strip() for part in text.split(",")):
        if not entry:
            continue
        kiosk_id, sep, token = entry.partition(":")
        kiosk_id, token = kiosk_id.strip(), token.strip()
        if not sep or not kiosk_id or not token:
            raise ValueError(f"token entry #{number + 1} must be kiosk-id:token")
        if kiosk_id in tokens:
            raise ValueError(f"kiosk {kiosk_id!r} is listed twice")
        tokens[kiosk_id] = token
    if not tokens:
        raise ValueError("no kiosk tokens given (expected kiosk-1:secret,kiosk-2:secret2)")
    return tokens


_KEY_BYTES = {"iso0": (16, 24), "iso4": (16, 24, 32)}  # TDES double/triple; AES-128/192/256


def parse_pin_keys(text: str) -> dict[str, tuple[str, bytes]]:
    """Parses "kiosk-1:iso0:<hex>,kiosk-2:iso4:<hex>" (commas or newlines, # comments) into
    kiosk id -> (format, key); raises ValueError naming the entry and kiosk, never the key."""
    keys: dict[str, tuple[str, bytes]] = {}
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    entries = [part.strip() for line in lines for part in line.split(",")]
    for number, entry in enumerate(e for e in entries if e):
        kiosk_id, fmt, key_hex = (part.strip() for part in (entry.split(":", 2) + ["", ""])[:3])
        where = f"PIN key entry #{number + 1}"
        if not kiosk_id or fmt not in _KEY_BYTES or not key_hex:
            raise ValueError(f"{where} must be kiosk-id:iso0|iso4:<hex key>")
        try:
            key = bytes.fromhex(key_hex)
        except ValueError as exc:
            raise ValueError(f"{where} (kiosk {kiosk_id!r}): the key is not hex") from exc
        if len(key) not in _KEY_BYTES[fmt]:
            sizes = "/".join(str(n) for n in _KEY_BYTES[fmt])
            raise ValueError(f"{where} (kiosk {kiosk_id!r}): an {fmt} key is {sizes} bytes")
        if kiosk_id in keys:
            raise ValueError(f"kiosk {kiosk_id!r} has two PIN keys")
        keys[kiosk_id] = (fmt, key)
    if not keys:
        raise ValueError("no PIN keys given (expected kiosk-1:iso0:<hex>,kiosk-2:iso4:<hex>)")
    return keys


def pin_keys_from_env(env: Mapping[str, str]) -> dict[str, tuple[str, bytes]]:
    """The PIN keys of CORE_PIN_KEYS and of the file CORE_PIN_KEYS_FILE names ({} for none)."""
    keys: dict[str, tuple[str, bytes]] = {}
    if env.get("CORE_PIN_KEYS", "").strip():
        keys = parse_pin_keys(env["CORE_PIN_KEYS"])
    path = env.get("CORE_PIN_KEYS_FILE", "").strip()
    if path:
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"CORE_PIN_KEYS_FILE {path}: {exc.__class__.__name__}") from exc
        from_file = parse_pin_keys(text)
        twice = sorted(set(keys) & set(from_file))
        if twice:
            raise ValueError(f"kiosk(s) {twice} have a PIN key in both places")
        keys.update(from_file)
    return keys


def serve(
    *,
    host: str,
    port: int,
    db_url: str,
    tokens: dict[str, str],
    pin_keys: dict[str, tuple[str, bytes]] | None = None,
) -> int:
    """Creates and seeds the database, serves until Ctrl-C or SIGTERM; returns an exit code.

    PIN keys default to CORE_PIN_KEYS / CORE_PIN_KEYS_FILE; a bad one exits 2 before anything
    is served. Unknown, Luhn-valid cards are enrolled on first sight with the demo PIN 1234
    (docs/card.md), as in the demo."""
    if pin_keys is None:
        try:
            pin_keys = pin_keys_from_env(os.environ)
        except ValueError as exc:
            print(f"kiosk core serve: CORE_PIN_KEYS: {exc}", file=sys.stderr)
            return 2
    without_token = sorted(set(pin_keys) - set(tokens))
    if without_token:
        print(
            f"kiosk core serve: PIN keys for kiosks without a token: {without_token}",
            file=sys.stderr,
        )
        return 2
    if not pin_keys:
        logger.warning("no PIN keys (CORE_PIN_KEYS): card authorizations answer 403 NO_PIN_KEY")
    store = Store(db_url)
    store.create_schema()
    store.seed_demo()
    clock = SystemClock()
    cards = CardIssuer(clock, pin_keys)
    server = CoreServer(store, host=host, port=port, kiosk_tokens=tokens, clock=clock, cards=cards)
    done = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %d: stopping", signum)
        done.set()

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_signal) if in_main else None
    try:
        base_url = server.start()
        logger.info(
            "reference core listening on %s for %d kiosk(s), %d with a PIN key",
            base_url,
            len(tokens),
            len(pin_keys),
        )
        print(f"reference core listening on {base_url}", flush=True)
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        logger.info("interrupted: stopping")
    finally:
        server.stop()
        store.close()
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    return 0
