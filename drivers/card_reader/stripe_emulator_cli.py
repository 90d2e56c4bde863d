"""Interactive stripe head emulator (`kiosk emulate stripe --pty`).

Prints the pty path, then takes one command per stdin line: `swipe <card>` (one of CARDS),
`fault bad_bcc|garbage|truncated|no_reply|track_error [n]`, `head ready|fault`, `quit`.
"""

from __future__ import annotations

import argparse

from drivers.card_reader.stripe_emulator import CARDS, StripeEmulator, StripeFault
from drivers.card_reader.stripe_protocol import Status
from drivers.transport.emulator_console import serve_console

_HELP = f"commands: swipe {'|'.join(CARDS)} | fault <name> [n] | head ready|fault | quit"


def register(emulators: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds `stripe` under `kiosk emulate` (called from kiosk.cli.build_parser)."""
    parser = emulators.add_parser(
        "stripe",
        help="magnetic-stripe head of a hybrid card reader",
        description="Stripe head on a pty; type 'swipe stripe_only' to swipe a card.",
    )
    parser.add_argument("--pty", action="store_true", required=True, help="serve on a pty pair")
    parser.add_argument("--link", help="also create a symlink to the pty at this path")
    parser.set_defaults(handler=lambda args: run(link=args.link))


def _handle(emulator: StripeEmulator, line: str) -> bool:
    words = line.split()
    if not words:
        return True
    if words[0] == "quit":
        return False
    if words[0] == "swipe" and len(words) == 2 and words[1] in CARDS:
        print("acknowledged" if emulator.swipe_card(words[1]) else "not acknowledged", flush=True)
    elif (
        words[0] == "fault" and len(words) in (2, 3) and words[1] in StripeFault._value2member_map_
    ):
        count = int(words[2]) if len(words) == 3 and words[2].isdigit() else 1
        emulator.inject(StripeFault(words[1]), count)
        print("fault armed", flush=True)
    elif words[0] == "head" and len(words) == 2 and words[1] in ("ready", "fault"):
        emulator.status = Status.READY if words[1] == "ready" else Status.HEAD_FAULT
        print(f"head {words[1]}", flush=True)
    else:
        print(_HELP, flush=True)
    return True


def run(*, link: str | None) -> int:
    emulator = StripeEmulator()
    try:
        serve_console(emulator.start(), link, lambda line: _handle(emulator, line))
    finally:
        emulator.stop()
    return 0
