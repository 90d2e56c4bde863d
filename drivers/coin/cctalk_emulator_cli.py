"""Interactive ccTalk coin acceptor emulator (`kiosk emulate cctalk --pty`).

Prints the pty path, then takes one command per stdin line: `coin <channel>`, `error <code>`,
`fault no_reply|bad_checksum|garbage [n]`, `status`, `quit`.
"""

from __future__ import annotations

import argparse

from drivers.coin.cctalk_emulator import DEFAULT_COINS, CcTalkEmulator, CoinFault
from drivers.transport.emulator_console import serve_console

_HELP = "commands: coin <channel> | error <code> | fault <name> [n] | status | quit"


def register(emulators: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds `cctalk` under `kiosk emulate` (called from kiosk.cli.build_parser)."""
    parser = emulators.add_parser(
        "cctalk",
        help="ccTalk coin acceptor",
        description="ccTalk coin acceptor on a pty with echo; type 'coin 3' to drop a coin.",
    )
    parser.add_argument("--pty", action="store_true", required=True, help="serve on a pty pair")
    parser.add_argument("--link", help="also create a symlink to the pty at this path")
    parser.add_argument(
        "--coins",
        default=",".join(f"{ch}={cid}" for ch, cid in DEFAULT_COINS.items()),
        help="channel=coin id list, e.g. 1=CN010A,2=CN050A,3=CN100A",
    )
    parser.add_argument("--no-echo", action="store_true", help="a two-wire (no echo) bus")
    parser.set_defaults(handler=_main)


def _main(args: argparse.Namespace) -> int:
    coins = {int(k): v for k, v in (item.split("=", 1) for item in args.coins.split(","))}
    return run(link=args.link, coins=coins, echo=not args.no_echo)


def _handle(emulator: CcTalkEmulator, line: str) -> bool:
    words = line.split()
    if not words:
        return True
    if words[0] == "quit":
        return False
    if words[0] == "status":
        print(
            f"accepting={emulator.accepting} box={dict(emulator.coin_box)} "
            f"total_minor={emulator.box_total_minor} returned={emulator.returned}",
            flush=True,
        )
    elif words[0] == "coin" and len(words) == 2 and words[1].isdigit():
        taken = emulator.insert_coin(int(words[1]))
        print("accepted" if taken else "returned", flush=True)
    elif words[0] == "error" and len(words) == 2 and words[1].isdigit():
        emulator.inject_error(int(words[1]))
        print("error event queued", flush=True)
    elif words[0] == "fault" and len(words) in (2, 3) and words[1] in CoinFault._value2member_map_:
        emulator.inject(CoinFault(words[1]), int(words[2]) if len(words) == 3 else 1)
        print("fault armed", flush=True)
    else:
        print(_HELP, flush=True)
    return True


def run(*, link: str | None, coins: dict[int, str], echo: bool = True) -> int:
    emulator = CcTalkEmulator(coins=coins, echo=echo)
    try:
        serve_console(emulator.start(), link, lambda line: _handle(emulator, line))
    finally:
        emulator.stop()
    return 0
