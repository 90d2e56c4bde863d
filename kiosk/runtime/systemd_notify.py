"""The sd_notify protocol spoken directly: one datagram per state change to $NOTIFY_SOCKET.

Why not python-systemd: the protocol is a single `sendto()` of `KEY=value` lines on an AF_UNIX
datagram socket, and the kiosk must keep running (and keep its customers' money safe) whether or
not systemd is there to listen. Without $NOTIFY_SOCKET every call is a no-op, so `kiosk run` from a
checkout behaves exactly as before. An address starting with '@' is in the abstract namespace
(sd_notify(3)); any other address must be an absolute path.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import deque
from collections.abc import Mapping

from kiosk.errors import KioskError

log = logging.getLogger(__name__)


class NotifyError(KioskError):
    """$NOTIFY_SOCKET names something the kiosk cannot send to (not a path, not '@name')."""

    code = "SYSTEMD_NOTIFY_ADDRESS"


def socket_address(value: str) -> str | bytes:
    """The address to `sendto()`: a filesystem path, or the abstract name with its leading NUL."""
    if value.startswith("@"):
        return b"\0" + value[1:].encode()
    if value.startswith("/"):
        return value
    raise NotifyError(f"NOTIFY_SOCKET={value!r}: expected an absolute path or '@abstract-name'")


class SystemdNotifier:
    """Sends READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 to the service manager, if any.

    A send that fails (systemd gone, socket full) is logged once and otherwise ignored: a missed
    ping is systemd's business to act on, never a reason for the kiosk itself to stop.
    """

    def __init__(self, address: str | bytes | None, *, watchdog_usec: int = 0) -> None:
        self.address = address
        self.watchdog_usec = watchdog_usec
        self._sock: socket.socket | None = None
        self._failed = False
        # the last messages sent (bounded: the watchdog pings for months), for diagnostics
        self.sent: deque[str] = deque(maxlen=64)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> SystemdNotifier:
        """Reads NOTIFY_SOCKET and WATCHDOG_USEC (honoured only when WATCHDOG_PID is unset or
        ours, as sd_watchdog_enabled(3) says: a forked child must not feed its parent's dog)."""
        env = os.environ if env is None else env
        raw = env.get("NOTIFY_SOCKET", "")
        address = socket_address(raw) if raw else None
        usec = 0
        pid = env.get("WATCHDOG_PID", "")
        if not pid or pid == str(os.getpid()):
            try:
                usec = max(0, int(env.get("WATCHDOG_USEC", "0") or "0"))
            except ValueError:
                log.warning("WATCHDOG_USEC=%r is not a number: watchdog off", env["WATCHDOG_USEC"])
        return cls(address, watchdog_usec=usec)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def watchdog_interval_s(self) -> float | None:
        """How often to ping: half the configured WatchdogSec, or None without a watchdog."""
        return self.watchdog_usec / 2_000_000 if self.watchdog_usec else None

    def ready(self, status: str = "") -> None:
        self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> None:
        self.notify(f"STATUS={text}")

    def watchdog(self) -> None:
        self.notify("WATCHDOG=1")

    def stopping(self, status: str = "") -> None:
        self.notify("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def notify(self, *lines: str) -> bool:
        """One datagram of newline-separated assignments; False when nothing was sent."""
        if self.address is None:
            return False
        message = "\n".join(line.replace("\n", " ") for line in lines)
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(message.encode(), self.address)
        except OSError as exc:
            if not self._failed:
                log.warning(
                    "sd_notify to %r failed (%s): systemd cannot hear us", self.address, exc
                )
            self._failed = True
            return False
        self._failed = False
        self.sent.append(message)
        return True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
