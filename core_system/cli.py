"""Runs the reference core from the command line (the lead's CLI wires flags and env to this).

Tokens come from the environment (`CORE_KIOSK_TOKENS`), never from code or argv, so they do not
show up in `ps` output or in the repository.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from core_system.server import CoreServer
from core_system.store import Store

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


def serve(*, host: str, port: int, db_url: str, tokens: dict[str, str]) -> int:
    """Creates and seeds the database, serves until Ctrl-C or SIGTERM; returns an exit code."""
    store = Store(db_url)
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, host=host, port=port, kiosk_tokens=tokens)
    done = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %d: stopping", signum)
        done.set()

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_signal) if in_main else None
    try:
        base_url = server.start()
        logger.info("reference core listening on %s for %d kiosk(s)", base_url, len(tokens))
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
