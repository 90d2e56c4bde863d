"""`kiosk card swipe`: a technician checks the hybrid reader's stripe head from a terminal.

Opens the head on `[devices.card_reader] stripe_port` (or --port), waits for one swipe and
prints what the kiosk would use (masked PAN, expiry, name, service code) — or exits 1 with the
card error code and why (a chip card swiped, a misread stripe, an expired card), the same
verdict a customer's swipe gets.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.card.config import card_reader_table
from kiosk.errors import ConfigError


def register(card_commands: Any) -> None:
    """Adds `swipe` under `kiosk card` (called from kiosk/cli/card.py)."""
    swipe = card_commands.add_parser(
        "swipe",
        help="read one swipe on the hybrid reader's stripe head",
        description="Waits for a swipe and prints masked PAN, expiry, cardholder name and "
        "service code. Exit 1 with a one-line reason when the head is unavailable, nothing is "
        "swiped in time, or the swipe is refused (a chip card, a misread stripe).",
    )
    swipe.add_argument("--config", type=Path, help="kiosk TOML config ([devices.card_reader])")
    swipe.add_argument("--port", help="the stripe head's serial port, overrides the config")
    swipe.add_argument("--json", action="store_true", help="print JSON")
    swipe.add_argument("--wait", type=float, default=20.0, help="seconds to wait for a swipe")
    swipe.set_defaults(handler=_card_swipe)


def _port(args: argparse.Namespace) -> str:
    if args.port:
        return str(args.port)
    if args.config is None:
        raise ConfigError("--port", "the stripe head's serial port (or --config with stripe_port)")
    table = card_reader_table(args.config)
    port = table.get("stripe_port") if isinstance(table, dict) else None
    if not isinstance(port, str) or not port:
        raise ConfigError("devices.card_reader.stripe_port", "a serial device path", port)
    return port


def _card_swipe(args: argparse.Namespace) -> int:
    from drivers.base import DeviceState
    from drivers.card_reader.base import StripeRead, StripeReadFailed
    from drivers.card_reader.stripe_serial import StripeSerialReader
    from kiosk.clock import SystemClock

    swipes: queue.Queue[object] = queue.Queue()
    clock = SystemClock()
    head = StripeSerialReader("stripe", _port(args), swipes.put, today=lambda: clock.now().date())
    head.start()
    try:
        deadline = time.monotonic() + 3.0
        while head.health().state is not DeviceState.ONLINE:
            if time.monotonic() > deadline:
                return _fail(f"stripe head unavailable: {head.health().detail}")
            time.sleep(0.02)
        print("swipe the card now", file=sys.stderr, flush=True)
        deadline = time.monotonic() + args.wait
        while True:
            try:
                event = swipes.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return _fail(f"no swipe within {args.wait:g} s")
            if isinstance(event, StripeReadFailed):
                return _fail(f"swipe refused: {event.code}")
            if isinstance(event, StripeRead):
                break
    finally:
        head.stop()
    info = event.card.summary()
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
    else:
        for key in ("masked_pan", "expiry", "cardholder_name", "service_code", "source"):
            print(f"{key:16} {info[key]}")
    return 0


def _fail(reason: str) -> int:
    print(f"kiosk card swipe: {reason}", file=sys.stderr)
    return 1
