"""Connects a VirtualCard to vpcd (vsmartcard) over TCP, as a card in the virtual reader.

vpcd (inside pcscd) listens on 127.0.0.1:35963+slot; the card side connects. While connected
the reader reports a card present; closing the connection is pulling the card out. Frames are a
2-byte big-endian length and the payload; a 1-byte payload is a control (00 power off, 01 power
on, 02 reset, 04 get ATR), anything longer is a C-APDU answered with R-APDU + SW.
TCP_NODELAY is set on our side, and TCP_QUICKACK before every read (see _quick_ack): vpcd
writes length and APDU separately with Nagle on, so without it every APDU costs ~40 ms.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time

from drivers.card_reader.virtual_card.card import CardLeft, VirtualCard

log = logging.getLogger(__name__)
VPCD_BASE_PORT = 35963
POWER_OFF, POWER_ON, RESET, GET_ATR = 0x00, 0x01, 0x02, 0x04


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        _quick_ack(sock)
        chunk = sock.recv(size - len(buf))
        if not chunk:
            raise ConnectionError("vpcd closed the connection")
        buf += chunk
    return bytes(buf)


def _quick_ack(sock: socket.socket) -> None:
    """ACK at once (Linux TCP_QUICKACK, reset by the kernel after each use).

    vpcd writes the 2-byte length and the APDU in two send() calls with Nagle on; without a quick
    ACK from us the second write waits for our delayed ACK (~40 ms per APDU).
    """
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


class VpcdLink:
    """One card in one vpcd slot; `insert()` connects, `remove()` disconnects (and joins)."""

    def __init__(self, card: VirtualCard, port: int = VPCD_BASE_PORT, host: str = "127.0.0.1"):
        self.card = card
        self._addr = (host, port)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.left = threading.Event()  # set when the card removed itself (profile remove_after)

    def insert(self, timeout: float = 10.0) -> None:
        """Connects to vpcd (retrying while pcscd starts) and serves on a thread."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection(self._addr, timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self.card.reset()
        self._stop.clear()
        self.left.clear()
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="vpcd-card")
        self._thread.start()

    def remove(self) -> None:
        self._stop.set()
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self._thread = None

    @property
    def inserted(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _serve(self, sock: socket.socket) -> None:
        try:
            while not self._stop.is_set():
                (size,) = struct.unpack(">H", _recv_exact(sock, 2))
                payload = _recv_exact(sock, size)
                reply = self._answer(payload)
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except CardLeft:
            self.left.set()
            with contextlib.suppress(OSError):
                sock.close()
        except OSError as exc:  # vpcd went away (pcscd stopped) or remove() closed us
            log.debug("vpcd link ended: %s", exc)

    def _answer(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            if payload[0] == GET_ATR:
                return self.card.atr
            if payload[0] in (POWER_OFF, POWER_ON, RESET):
                self.card.reset()
            return None
        return self.card.process(payload)
