"""`kiosk emulate printer`: a printer emulator on a pty for demos and manual testing.

Prints the pty path (and keeps a stable symlink when asked) so the kiosk config can point at it,
then prints each receipt's PNG path as the receipt is cut. Stops on SIGTERM, Ctrl-C or EOF on
stdin, which is how a supervising script or a terminal user ends it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from drivers.printer.emulator import PrinterEmulator


def _watch_stdin(stop: threading.Event) -> None:
    """EOF on stdin means whoever started us has gone away."""
    try:
        while sys.stdin.readline():
            pass
    except (OSError, ValueError):
        pass
    stop.set()


def run(*, out_dir: Path, link: str | None, tcp_port: int | None) -> int:
    """Run until stopped; returns the process exit code (2 when an option is unsupported)."""
    if tcp_port is not None:
        print("printer emulator: TCP is not supported yet, use the pty", file=sys.stderr)
        return 2
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    emulator = PrinterEmulator(out_dir)
    stop = threading.Event()
    path = emulator.start()
    link_path = Path(link) if link else None
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if link_path is not None:
            with contextlib.suppress(FileNotFoundError):
                link_path.unlink()
            os.symlink(path, link_path)
        print(f"printer emulator on {link_path or path} (pty {path}); receipts in {out_dir}")
        sys.stdout.flush()
        threading.Thread(target=_watch_stdin, args=(stop,), daemon=True).start()
        shown = 0
        while not stop.wait(0.1):
            receipts = emulator.receipts
            for receipt in receipts[shown:]:
                print(f"receipt: {receipt.png_path}", flush=True)
            shown = len(receipts)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        if link_path is not None and link_path.is_symlink():
            link_path.unlink()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
