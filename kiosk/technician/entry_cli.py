"""`kiosk technician pin-hash`: makes the salted hash a kiosk stores instead of the PIN.

    kiosk technician pin-hash [--iterations N] [--stdin]

The PIN is read without echo (twice, to catch a typo) or, with --stdin, from one line of
standard input (for provisioning scripts); it is never printed or logged. The output goes into
the environment variable named by `[technician] pin_hash_env` or the file `pin_hash_file`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from kiosk.errors import ConfigError
from kiosk.technician.entry_config import hash_pin

MIN_PIN, MAX_PIN = 4, 12


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "technician",
        help="technician access: make the PIN hash",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="technician_command", required=True, metavar="COMMAND")
    make = sub.add_parser("pin-hash", help="print the PBKDF2 hash of a technician PIN")
    make.add_argument("--iterations", type=int, default=600_000)
    make.add_argument("--stdin", action="store_true", help="read the PIN from standard input")
    make.set_defaults(handler=_pin_hash)


def _pin_hash(args: argparse.Namespace) -> int:
    if args.stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("Technician PIN: ")
        if getpass.getpass("Again: ") != pin:
            raise ConfigError("PIN", "the same PIN twice")
    if not (pin.isdigit() and MIN_PIN <= len(pin) <= MAX_PIN):
        raise ConfigError("PIN", f"{MIN_PIN}-{MAX_PIN} digits")
    print(hash_pin(pin, os.urandom(16), args.iterations))
    return 0
