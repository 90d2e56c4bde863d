"""Interactive eSSP emulator for technicians and demos (`kiosk emulate essp --pty`).

Prints the pty path (and optionally links it at a stable name) so the kiosk config can point
at it, then takes one command per stdin line: `insert <value>`, `fault <name> [n]` (jam, fraud,
stacker full, cashbox removed/replaced, garbage, bad CRC, no reply), `empty` (swap the cashbox),
`forge <value>` (a tap on the line injects a plain credit: the kiosk must refuse it as fraud),
`reset` (power cycle: the eSSP key is lost and must be negotiated again), `status`, `quit`.
eSSP is required when a fixed key is given: `fixed_key`, else the variable KIOSK_ESSP_FIXED_KEY
(16 hex digits, the same one the kiosk's `fixed_key_env` names); without one it is plain SSP.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from drivers.cash.essp_emulator import EsspEmulator, Fault
from drivers.transport.emulator_console import serve_console

_HELP = (
    "commands: insert <value> | fault <name> [n] | forge <value> | reset | empty | status | quit"
)
FIXED_KEY_ENV = "KIOSK_ESSP_FIXED_KEY"


def _status(emulator: EsspEmulator) -> str:
    counts = ", ".join(f"{v}x{n}" for v, n in sorted(emulator.cashbox_counts.items())) or "empty"
    return (
        f"enabled={emulator.enabled} cashbox=[{counts}] total_minor={emulator.cashbox_total_minor}"
        f" returned={emulator.returned_notes} encrypted={emulator.encrypted}"
        f" keyed={emulator.keyed}"
    )


def _handle(emulator: EsspEmulator, line: str) -> bool:
    """Executes one command line; False means quit."""
    words = line.split()
    if not words:
        return True
    if words[0] == "quit":
        return False
    if words[0] == "status":
        print(_status(emulator), flush=True)
    elif words[0] == "fault" and len(words) in (2, 3) and words[1] in Fault._value2member_map_:
        emulator.inject(Fault(words[1]), int(words[2]) if len(words) == 3 else 1)
        print(f"fault {words[1]} armed", flush=True)
    elif words[0] == "empty":
        print(f"cashbox emptied: {emulator.empty_cashbox()}", flush=True)
    elif words[0] == "forge" and len(words) == 2 and words[1].isdigit():
        emulator.forge_credit(int(words[1]))
        print(f"forged plain credit {words[1]} armed for the next poll", flush=True)
    elif words[0] == "reset":
        emulator.power_cycle()
        print("power cycled: key lost", flush=True)
    elif words[0] == "insert" and len(words) == 2 and words[1].isdigit():
        emulator.insert_note(int(words[1]))
        print(f"inserted {words[1]}", flush=True)
    else:
        print(_HELP, flush=True)
    return True


def run(
    *,
    link: str | None,
    currency: str,
    denominations: tuple[int, ...],
    cashbox_file: Path | None,
    escrow_timeout: float = 10.0,
    fixed_key: int | None = None,
) -> int:
    if fixed_key is None:
        fixed_key = fixed_key_from_env(os.environ)
    emulator = EsspEmulator(
        currency=currency,
        denominations=denominations,
        cashbox_file=cashbox_file,
        escrow_timeout=escrow_timeout,
        fixed_key=fixed_key,
        encrypted=fixed_key is not None,
    )
    try:
        serve_console(emulator.start(), link, lambda line: _handle(emulator, line))
    finally:
        emulator.stop()
    return 0


def fixed_key_from_env(env: Mapping[str, str]) -> int | None:
    """The fixed key a technician shares with the kiosk through the environment, if any."""
    text = env.get(FIXED_KEY_ENV, "").strip()
    if not text:
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{16}", text):
        raise SystemExit(f"{FIXED_KEY_ENV}: expected 16 hex digits")  # never echo the value
    return int(text, 16)
