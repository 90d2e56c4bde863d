"""Shared pieces of the UI benchmarks: an Xvfb display, RSS, and "painted" as Qt defines it.

A top-level widget paints in one place: its UpdateRequest event, where Qt's repaint manager
paints every dirty widget into the backing store and flushes it to the platform (X11 under
Xvfb, an image with the offscreen platform). The end of that event is when a key's effect is
on the screen as far as the application can know it; `painted_window` marks it.
"""

from __future__ import annotations

import math
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QWidget

PAGE = os.sysconf("SC_PAGE_SIZE")
_HELD: list[object] = []


def hold_refs() -> None:
    """PySide6 6.12 on Python 3.11 drops one reference to None on many void calls (setText,
    processEvents, ...) and one to True on each Signal.emit(); the interpreter aborts when a count
    reaches zero. The bare baselines make nothing but such calls, so a long run would abort them:
    hold 300,000 references to each. The kiosk's own drift is still measured (deltas)."""
    if not _HELD:
        _HELD.extend([None, True, False] * 300_000)


def exit_now(code: int = 0) -> None:
    """Leave without the interpreter's finalization: freeing the held references there would
    let None's count reach zero after a long run (see hold_refs), and abort a finished bench."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def rss_mb() -> float:
    """Resident set size of this process in MiB (from /proc, no extra dependency)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def painted_window(cls: type[QWidget], on_painted: Callable[[], None]) -> type[QWidget]:
    """A subclass of the top-level widget class `cls` that calls `on_painted` after each
    UpdateRequest it handled (paint + flush)."""

    class Painted(cls):  # type: ignore[valid-type, misc]
        def event(self, event: QEvent) -> bool:
            handled = super().event(event)
            if event.type() == QEvent.Type.UpdateRequest:
                on_painted()
            return handled

    Painted.__name__ = f"Painted{cls.__name__}"
    return Painted


class Xvfb:
    """A private Xvfb server for one benchmark run (Debian package `xvfb`)."""

    def __init__(self, width: int, height: int) -> None:
        exe = shutil.which("Xvfb")
        if exe is None:
            raise FileNotFoundError("Xvfb is not installed (apt-get install xvfb)")
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            [exe, "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24"]
            + ["-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        deadline = time.monotonic() + 10
        data = b""
        while not data.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read_fd], [], [], 0.5)
            if ready:
                chunk = os.read(read_fd, 64)
                if not chunk:
                    break
                data += chunk
        os.close(read_fd)
        if not data.strip():
            self.stop()
            raise RuntimeError("Xvfb did not report its display")
        self.display = f":{data.decode().strip()}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
