"""`kiosk emulate xfs4iot --port N`: the XFS4IoT dispenser and EPP for technicians and demos.

Prints the publisher URI (point `[devices.dispenser]` / `[devices.pinpad]` at it), then takes one
command per stdin line: `take` (the customer takes the notes), `key <name>` (a key on the EPP:
zero..nine, enter, cancel, clear), `pin <digits>` (the digits then Enter, once the kiosk has
started PIN entry — it waits up to 10 s for that), `fault jam <unit> |
partial <n> | shutter | vanish`, `revive`, `status`, `quit`. The keys come from the environment
(hex), never from the command line: the dispense token key the core shares with the device, and
the EPP's AES PIN key.
"""

from __future__ import annotations

import argparse
import os

from drivers.transport.emulator_console import serve_console
from drivers.xfs4iot.emulator import DISPENSER, Xfs4IotEmulator
from drivers.xfs4iot.emulator_cash import cassettes_from_spec
from drivers.xfs4iot.emulator_epp import DIGITS
from kiosk.errors import ConfigError

_HELP = (
    "commands: take | key <name> | pin <digits> | fault jam <unit>|partial <n>|shutter|vanish"
    " | revive | status | quit"
)


def register(emulators: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds `xfs4iot` under `kiosk emulate` (called from kiosk.cli.main.build_parser)."""
    parser = emulators.add_parser(
        "xfs4iot",
        help="XFS4IoT cash dispenser and encrypting PIN pad (WebSocket)",
        description="XFS4IoT publisher with a dispenser and an EPP service on loopback.",
    )
    parser.add_argument("--port", type=int, default=5846, help="0 = any free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token-key-env", default="KIOSK_DISPENSE_TOKEN_KEY")
    parser.add_argument("--pin-key-env", default="KIOSK_PIN_KEY")
    parser.add_argument(
        "--cassettes",
        default="100x500,50x500,20x500,10x500",
        help="note value x count per cassette, e.g. 100x30,50x0 (a low and an empty one)",
    )
    parser.add_argument("--currency", default="CNY")
    parser.set_defaults(handler=_run_from_args)


def _key(name: str, sizes: tuple[int, ...]) -> bytes:
    try:
        key = bytes.fromhex(os.environ.get(name, ""))
    except ValueError as exc:
        raise ConfigError(f"env {name}", "a hex key") from exc
    if len(key) not in sizes:
        raise ConfigError(f"env {name}", f"a hex key of {' or '.join(map(str, sizes))} bytes")
    return key


def _run_from_args(args: argparse.Namespace) -> int:
    token_key = _key(args.token_key_env, (16, 32, 64))
    pin_key = _key(args.pin_key_env, (16, 24, 32))
    try:
        cassettes = cassettes_from_spec(args.cassettes, args.currency)
    except ValueError as exc:
        raise ConfigError("--cassettes", "<value>x<count>,...", args.cassettes) from exc
    emulator = Xfs4IotEmulator(
        token_key=token_key, pin_key=pin_key, host=args.host, port=args.port, cassettes=cassettes
    )
    return run(emulator)


def _status(emulator: Xfs4IotEmulator) -> str:
    model = emulator.dispenser
    units = " ".join(f"{u.name}={u.count}" for u in model.units)
    return (
        f"device={model.device} shutter={model.shutter} stacker={sum(model.stacker.values())}"
        f" at_position={sum(model.at_position.values())} {units}"
    )


def _fault(emulator: Xfs4IotEmulator, words: list[str]) -> str:
    faults = emulator.dispenser.faults
    if words == ["shutter"]:
        faults.shutter_jammed = True
    elif words == ["vanish"]:
        faults.vanish_on_dispense = True
    elif len(words) == 2 and words[0] == "jam":
        faults.jam_unit = words[1]
    elif len(words) == 2 and words[0] == "partial" and words[1].isdigit():
        faults.partial_next = int(words[1])
    else:
        return _HELP
    return f"fault {' '.join(words)} armed"


def handle(emulator: Xfs4IotEmulator, line: str) -> str | None:
    """Executes one console line and returns what to print; None means quit."""
    words = line.split()
    if not words:
        return ""
    if words[0] == "quit":
        return None
    if words == ["take"]:
        emulator.take_items()
        return "taken"
    if words[0] == "key" and len(words) == 2:
        return "pressed" if emulator.press(words[1]) else "no PIN entry running"
    if words[0] == "pin" and len(words) == 2 and words[1].isdigit():
        emulator.epp.entering.wait(10.0)  # typed a moment before the kiosk asked: wait for it
        keys = [DIGITS[int(d)] for d in words[1]] + ["enter"]
        return "entered" if all(emulator.press(k) for k in keys) else "no PIN entry running"
    if words[0] == "fault":
        return _fault(emulator, words[1:])
    if words == ["revive"]:
        emulator.revive(DISPENSER)
        return "revived"
    if words == ["status"]:
        return _status(emulator)
    return _HELP


def run(emulator: Xfs4IotEmulator) -> int:
    emulator.start()

    def console(line: str) -> bool:
        answer = handle(emulator, line)
        if answer is None:
            return False
        if answer:
            print(answer, flush=True)
        return True

    try:
        serve_console(emulator.publisher_uri, None, console)
    finally:
        emulator.stop()
    return 0
