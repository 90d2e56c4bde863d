"""`kiosk emulate stripe --pty` as a technician uses it: a separate process whose swipes the
kiosk's driver reads from the pty path it printed (or the stable link)."""

from __future__ import annotations

import queue
import subprocess
import sys
from datetime import date
from pathlib import Path

from drivers.card_reader.base import StripeRead, StripeReadFailed
from drivers.card_reader.stripe_serial import StripeSerialReader


def test_swipes_typed_at_the_console_reach_the_driver_and_quit_removes_the_link(
    tmp_path: Path,
) -> None:
    link = tmp_path / "stripe"
    console = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "emulate", "stripe", "--pty", "--link", str(link)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert console.stdin is not None and console.stdout is not None
    events: queue.Queue[object] = queue.Queue()
    try:
        path = console.stdout.readline().strip()
        assert path.startswith("/dev/pts/") and link.resolve() == Path(path)
        reader = StripeSerialReader(
            "stripe", str(link), events.put, today=lambda: date(2026, 11, 23), status_every=0.2
        )
        reader.start()
        try:
            for card in ("chip_card", "stripe_only"):
                console.stdin.write(f"swipe {card}\n")
                console.stdin.flush()
                assert console.stdout.readline().strip() == "acknowledged"
            swipes: list[object] = []
            while len(swipes) < 2:
                event = events.get(timeout=3)
                if isinstance(event, StripeRead | StripeReadFailed):
                    swipes.append(event)
            assert isinstance(swipes[0], StripeReadFailed) and swipes[0].code == "CARD_USE_CHIP"
            assert isinstance(swipes[1], StripeRead) and swipes[1].card.masked_pan.endswith("0029")
        finally:
            reader.stop()
        console.stdin.write("quit\n")
        console.stdin.flush()
        assert console.wait(timeout=10) == 0
        assert not link.is_symlink()
    finally:
        if console.poll() is None:
            console.kill()
            console.wait()
