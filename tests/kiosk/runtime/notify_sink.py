"""A socket of the test's own that plays systemd's side of sd_notify: bound, read, closed."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path


class NotifySink:
    """An AF_UNIX datagram socket at a short path (or an abstract name) that collects messages.

    The path lives in a fresh directory under /tmp: pytest's tmp_path can be longer than the
    108 bytes an AF_UNIX address may hold."""

    def __init__(self, *, abstract: bool = False) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._dir: str | None = None
        if abstract:
            name = f"kiosk-test-{uuid.uuid4().hex}"
            self.sock.bind(b"\0" + name.encode())
            self.address = "@" + name
        else:
            self._dir = tempfile.mkdtemp(prefix="notify-", dir="/tmp")
            os.chmod(self._dir, 0o755)
            self.address = str(Path(self._dir) / "sock")
            self.sock.bind(self.address)
            os.chmod(self.address, 0o777)  # a kiosk run as another user may send here too

    def messages(self) -> list[str]:
        """Every datagram queued now (the notifier sends synchronously: nothing to wait for)."""
        out: list[str] = []
        self.sock.setblocking(False)
        while True:
            try:
                out.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                return out

    def wait_for(self, line: str, timeout_s: float) -> list[str]:
        """Reads until a message holds `line` (e.g. "READY=1"); every message read so far."""
        seen: list[str] = []
        self.sock.settimeout(timeout_s)
        while True:
            try:
                message = self.sock.recv(4096).decode()
            except TimeoutError:
                return seen
            seen.append(message)
            if line in message.splitlines():
                return seen

    def close(self) -> None:
        self.sock.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
