"""A pseudo-terminal pair standing in for a serial cable.

Emulators own the master side; the driver under test opens the slave path with pyserial exactly
as it would open /dev/ttyUSB0, so the real termios/pyserial code path is exercised (timeouts,
partial reads, flushing) instead of an in-memory fake.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
import tty
from types import TracebackType


class PtyPair:
    """Master fd for the emulator, slave path for the driver.

    We keep our own slave fd open for the pair's whole life: on Linux the master reads EIO once
    every slave fd is closed, which would turn a driver reconnect into a busy error loop.
    """

    def __init__(self) -> None:
        self.master_fd, self._slave_fd = os.openpty()
        # Raw on both ends: no echo, no CR/LF translation, no signal characters. Binary
        # protocols (0x03, 0x11, 0x13 ...) must pass through untouched.
        tty.setraw(self.master_fd)
        tty.setraw(self._slave_fd)
        self.slave_path: str = os.ttyname(self._slave_fd)
        self._closed = False

    def read(self, n: int, timeout: float) -> bytes:
        """Up to n bytes, or b"" when nothing arrived within timeout seconds (or closed)."""
        if self._closed:
            return b""
        try:
            ready, _, _ = select.select([self.master_fd], [], [], max(0.0, timeout))
        except (OSError, ValueError):
            return b""
        if not ready:
            return b""
        try:
            return os.read(self.master_fd, n)
        except OSError:
            # EIO while the far end is being reopened: back off instead of spinning.
            time.sleep(min(timeout, 0.01))
            return b""

    def write(self, data: bytes) -> None:
        """Writes all of data (the kernel may accept it in pieces)."""
        view = memoryview(data)
        while view and not self._closed:
            written = os.write(self.master_fd, view)
            view = view[written:]

    def close(self) -> None:
        """Closes both fds; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for fd in (self.master_fd, self._slave_fd):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyPair:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
