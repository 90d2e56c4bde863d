"""The console every serial-device emulator runs: announce the pty, take commands from stdin.

A technician (or a test, or the demo) starts `kiosk emulate <device> --pty`, reads the pty path
from the first line, points the driver at it (or at the stable `--link` path) and types
commands. SIGTERM ends the console as cleanly as `quit`: the link is removed either way, so a
stale link never points a later driver at somebody else's pty.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType


class _Terminated(Exception):
    """Raised from the SIGTERM handler to leave the blocking stdin read cleanly."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def serve_console(path: str, link: str | None, handle: Callable[[str], bool]) -> None:
    """Prints `path`, then feeds stdin lines to `handle` until it returns False, stdin ends,
    Ctrl-C or SIGTERM. The caller stops its emulator afterwards."""
    if link is not None:
        with contextlib.suppress(FileNotFoundError):
            if Path(link).is_symlink():
                os.unlink(link)
        os.symlink(path, link)
    print(path, flush=True)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        for line in sys.stdin:
            if not handle(line):
                break
    except (_Terminated, KeyboardInterrupt):
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if link is not None and Path(link).is_symlink():
            os.unlink(link)
