"""`kiosk card read` and `kiosk emulate card`: the card path from a terminal.

Registered into kiosk/cli/main.py by `register_card_commands`; heavy imports (pyscard) happen only
inside the handlers. The reader comes from `[devices.card_reader] reader = "<fnmatch pattern>"`
in the kiosk config (default "Virtual PCD 00 00"), or --reader.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.card.config import card_reader_table
from kiosk.cli.card_swipe import register as register_swipe
from kiosk.errors import ConfigError

DEFAULT_READER = "Virtual PCD 00 00"


def register_card_commands(commands: Any, emulators: Any) -> None:
    card = commands.add_parser("card", help="card reader tools", description="Card reader tools.")
    card_commands = card.add_subparsers(dest="card_command", required=True, metavar="COMMAND")
    read = card_commands.add_parser(
        "read",
        help="read the card in the configured reader",
        description="Reads the card (EMV contact) and prints reader, ATR, AID, label, masked "
        "PAN, expiry and cardholder name. Exit 1 with a one-line reason when no card or an "
        "unreadable card.",
    )
    read.add_argument("--config", type=Path, help="kiosk TOML config ([devices.card_reader])")
    read.add_argument("--reader", help="reader name pattern (fnmatch), overrides the config")
    read.add_argument("--json", action="store_true", help="print JSON")
    read.add_argument("--wait", type=float, default=0.0, help="seconds to wait for a card")
    read.set_defaults(handler=_card_read)
    register_swipe(card_commands)

    emulate = emulators.add_parser(
        "card",
        help="virtual EMV card for vpcd",
        description="Puts a virtual EMV card (a profile from drivers/card_reader/virtual_card/"
        "profiles) into vpcd's reader until Ctrl-C.",
    )
    emulate.add_argument("--profile", help="profile name (see --list)")
    emulate.add_argument("--list", action="store_true", help="list the profiles and exit")
    emulate.add_argument("--port", type=int, default=35963, help="vpcd port (slot 0)")
    emulate.add_argument("--slot", type=int, default=0, help="vpcd slot (port + slot)")
    emulate.set_defaults(handler=_emulate_card)


def _reader_pattern(args: argparse.Namespace) -> str:
    if args.reader:
        return str(args.reader)
    if args.config is None:
        return DEFAULT_READER
    table = card_reader_table(args.config)
    pattern = table.get("reader", DEFAULT_READER) if isinstance(table, dict) else None
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError("devices.card_reader.reader", "a reader name pattern", pattern)
    return pattern


def _card_read(args: argparse.Namespace) -> int:
    from drivers.base import DeviceState
    from drivers.card_reader.emv.read import read_card
    from drivers.card_reader.errors import CardError
    from drivers.card_reader.pcsc import PcscCardReader
    from kiosk.clock import SystemClock

    pattern = _reader_pattern(args)
    reader = PcscCardReader("card", pattern, lambda event: None, wait_ms=100, retry_s=0.2)
    reader.start()
    try:
        deadline = time.monotonic() + 3.0
        while reader.health().state is not DeviceState.ONLINE:
            if time.monotonic() > deadline:
                return _fail(f"reader unavailable: {reader.health().detail}")
            time.sleep(0.02)
        deadline = time.monotonic() + max(args.wait, 0.5)
        while not reader.card_present:
            if time.monotonic() > deadline:
                return _fail(f"no card in {reader.reader_name}")
            time.sleep(0.02)
        today = SystemClock().now().date()
        atr = ""

        def job(transmit: Any, card_atr: str) -> Any:
            nonlocal atr
            atr = card_atr
            return read_card(transmit, today=today)

        try:
            card = reader.submit(job).result(30)
        except CardError as exc:
            return _fail(f"unreadable card: {exc}")
    finally:
        reader.stop()
    info = {"reader": reader.reader_name, "atr": atr, **card.summary()}
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
    else:
        for key in ("reader", "atr", "aid", "label", "masked_pan", "expiry", "cardholder_name"):
            print(f"{key:16} {info[key]}")
    return 0


def _fail(reason: str) -> int:
    print(f"kiosk card read: {reason}", file=sys.stderr)
    return 1


def _emulate_card(args: argparse.Namespace) -> int:
    from drivers.card_reader.virtual_card.card import VirtualCard
    from drivers.card_reader.virtual_card.profile import load_profile, profile_names
    from drivers.card_reader.virtual_card.vpcd_link import VpcdLink

    if args.list or not args.profile:
        for name in profile_names():
            print(f"{name:18} {load_profile(name).description}")
        return 0 if args.list else 2
    profile = load_profile(args.profile)
    link = VpcdLink(VirtualCard(profile), args.port + args.slot)
    link.insert()
    print(
        f"card {profile.name} inserted into vpcd 127.0.0.1:{args.port + args.slot}; Ctrl-C removes"
    )
    try:
        while link.inserted:
            time.sleep(0.2)
        print("card left the reader (profile behaviour or vpcd stopped)")
    except KeyboardInterrupt:
        pass
    finally:
        link.remove()
    return 0
