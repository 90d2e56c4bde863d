"""The printer emulator on TCP (like a network printer's port 9100), loopback only.

One connection at a time, like most network receipt printers: a second client waits in the
listen backlog until the first disconnects. Status answers go back on the same connection.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading

from drivers.printer.emulator import PrinterEmulator

log = logging.getLogger(__name__)


class TcpPrinterServer:
    """Serves `emulator` on 127.0.0.1:port (0 = a free port, see `.port` after start())."""

    def __init__(self, emulator: PrinterEmulator, port: int = 0, host: str = "127.0.0.1") -> None:
        self.emulator = emulator
        self._addr = (host, port)
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.port = 0
        self.connections = 0

    def start(self) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(self._addr)
        sock.listen(4)
        self._sock, self.port = sock, sock.getsockname()[1]
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="printer-tcp", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        self._thread = self._sock = None

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            ready, _, _ = select.select([self._sock], [], [], 0.05)
            if not ready:
                continue
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([conn], [], [], 0.05)
            if not ready:
                continue
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return  # the kiosk closed the connection
            try:
                answer = self.emulator.feed(data)
            except Exception:  # a parser bug must not take the printer off the network
                log.exception("printer emulator failed on %d bytes; dropping them", len(data))
                continue
            if answer:
                with contextlib.suppress(OSError):
                    conn.sendall(answer)
