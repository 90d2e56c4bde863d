"""Interactive eSSP emulator for technicians and demos (`kiosk emulate essp --pty`).

Prints the pty path (and optionally links it at a stable name) so the kiosk config can point
at it, then takes one command per stdin line: `insert <value>`, `fault <name> [n]` (jam, fraud,
stacker full, cashbox removed/replaced, garbage, bad CRC, no reply), `empty` (swap the cashbox),
`status`, `quit`.
"""

from __future__ import annotations

from pathlib import Path

from drivers.cash.essp_emulator import EsspEmulator, Fault
from drivers.transport.emulator_console import serve_console

_HELP = "commands: insert <value> | fault <name> [n] | empty | status | quit"


def _status(emulator: EsspEmulator) -> str:
    counts = ", ".join(f"{v}x{n}" for v, n in sorted(emulator.cashbox_counts.items())) or "empty"
    return (
        f"enabled={emulator.enabled} cashbox=[{counts}] total_minor={emulator.cashbox_total_minor}"
        f" returned={emulator.returned_notes}"
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
) -> int:
    emulator = EsspEmulator(
        currency=currency,
        denominations=denominations,
        cashbox_file=cashbox_file,
        escrow_timeout=escrow_timeout,
    )
    try:
        serve_console(emulator.start(), link, lambda line: _handle(emulator, line))
    finally:
        emulator.stop()
    return 0
