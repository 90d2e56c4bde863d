"""Journal export from maintenance mode: the same code path as `kiosk journal export`.

The file lands in the kiosk's data directory (exports/), where the technician's USB stick or the
diagnostic bundle picks it up; the record count is read back from the file that was written.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from kiosk.cli.journal import _export as cli_export
from kiosk.clock import Clock

EPOCH = date(2000, 1, 1)  # before any kiosk existed: "the whole journal"


def export_journal_file(
    database_url: str, data_dir: Path, kiosk_id: str, clock: Clock
) -> tuple[Path, int]:
    """Writes the whole journal as JSON Lines; returns the file and how many records it holds."""
    now = clock.now()
    path = data_dir / "exports" / f"journal-{kiosk_id}-{now.strftime('%Y%m%dT%H%M%SZ')}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    args = argparse.Namespace(db=database_url, config=None, first=EPOCH, last=now.date(), file=path)
    cli_export(args)  # prints the CLI's one summary line to stdout
    with path.open(encoding="utf-8") as lines:
        return path, sum(1 for _ in lines)
