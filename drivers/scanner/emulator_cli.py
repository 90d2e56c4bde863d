"""Interactive scanner emulator (`kiosk emulate scanner --pty [--link PATH] [--mode M]`).

Prints the pty path, then takes one command per stdin line: `scan <text>` (shows the scanner a
code: a demo bill's code is in docs/bill_barcode.md), `fault noise|bad_lrc|truncated [n]`,
`garbage` (control and non-ASCII bytes as one code), `quit`.
"""

from __future__ import annotations

import argparse

from drivers.scanner.emulator import SUFFIXES, ScannerEmulator, ScannerFault
from drivers.transport.emulator_console import serve_console

_HELP = "commands: scan <text> | fault noise|bad_lrc|truncated [n] | garbage | quit"


def register(emulators: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds `scanner` under `kiosk emulate` (called from kiosk.cli.build_parser)."""
    parser = emulators.add_parser(
        "scanner",
        help="bill barcode scanner (serial, ASCII or framed mode)",
        description="Barcode scanner on a pty; type 'scan <text>' to scan a code.",
    )
    parser.add_argument("--pty", action="store_true", required=True, help="serve on a pty pair")
    parser.add_argument("--link", help="also create a symlink to the pty at this path")
    parser.add_argument("--mode", choices=("ascii", "framed"), default="ascii")
    parser.add_argument("--suffix", choices=sorted(SUFFIXES), default="cr", help="ASCII mode")
    parser.set_defaults(
        handler=lambda args: run(link=args.link, mode=args.mode, suffix=args.suffix)
    )


def _handle(emulator: ScannerEmulator, line: str) -> bool:
    words = line.split()
    if not words:
        return True
    if words[0] == "quit":
        return False
    if words[0] == "scan" and len(words) == 2 and words[1].isascii():
        print("acknowledged" if emulator.scan(words[1]) else "not acknowledged", flush=True)
    elif words[0] == "garbage" and len(words) == 1:
        print("acknowledged" if emulator.garbage() else "not acknowledged", flush=True)
    elif (
        words[0] == "fault" and len(words) in (2, 3) and words[1] in ScannerFault._value2member_map_
    ):
        count = int(words[2]) if len(words) == 3 and words[2].isdigit() else 1
        emulator.inject(ScannerFault(words[1]), count)
        print("fault armed", flush=True)
    else:
        print(_HELP, flush=True)
    return True


def run(*, link: str | None, mode: str = "ascii", suffix: str = "cr") -> int:
    emulator = ScannerEmulator(mode=mode, suffix=suffix)
    try:
        serve_console(emulator.start(), link, lambda line: _handle(emulator, line))
    finally:
        emulator.stop()
    return 0
