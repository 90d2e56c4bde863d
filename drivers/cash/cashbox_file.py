"""The emulated device's non-volatile memory: cashbox contents and lifetime counters on disk.

A real validator keeps its counters in EEPROM, so they survive the host crashing; the kill test
needs exactly that from the emulator. Writes are atomic (temp file + fsync + rename): a crash of
the emulator itself mid-write leaves the previous state, never a torn file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CashboxState:
    counts: dict[int, int] = field(default_factory=dict)  # major value -> notes in the cashbox
    stacked: int = 0  # lifetime notes stacked (GET_COUNTERS), never reset by emptying the box
    rejected: int = 0


def load(path: Path | None) -> CashboxState:
    if path is None or not path.exists():
        return CashboxState()
    raw = json.loads(path.read_text(encoding="utf-8"))
    counts = {int(value): int(n) for value, n in raw.get("counts", {}).items()}
    stacked = int(raw.get("stacked", sum(counts.values())))
    return CashboxState(counts, stacked, int(raw.get("rejected", 0)))


def save(path: Path | None, currency: str, state: CashboxState) -> None:
    if path is None:
        return
    counts = {str(value): n for value, n in sorted(state.counts.items()) if n}
    text = json.dumps(
        {
            "currency": currency,
            "counts": counts,
            "stacked": state.stacked,
            "rejected": state.rejected,
        },
        indent=2,
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cashbox-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_total_minor(path: Path, minor_per_major: int = 100) -> int:
    """What a test or the kill harness reads: the cashbox value in minor units."""
    state = load(path)
    return sum(value * n * minor_per_major for value, n in state.counts.items())
