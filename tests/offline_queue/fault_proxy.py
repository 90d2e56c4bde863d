"""A fault-injecting HTTP proxy on loopback, between a kiosk's sync worker and the core.

It understands just enough HTTP/1.x to read one request (headers + Content-Length body) per
connection, then does what the plan says for that request number:
  PASS       forward, relay the reply
  DELAY      wait, then forward (longer than the client's read timeout = a timeout)
  STATUS     answer 500, or 503/429 with Retry-After, without asking the core
  CUT        forward, let the core COMMIT, then close the client connection without a reply
  RESET      close the client connection at once (nothing reaches the core)
  NOT_FOUND_HTML   a misrouted proxy: 404 with an HTML page (nothing reaches the core)
  REFUSED_4XX      400 for the whole batch, JSON error body (nothing reaches the core)
  BAD_RETRY_AFTER  503 with a Retry-After that is neither seconds nor a date
  ERROR_AFTER_COMMIT    forward (the core commits), then answer 500
  GARBLED_AFTER_COMMIT  forward (the core commits), then 200 with a truncated JSON body
  HTML_AFTER_COMMIT     forward (the core commits), then 200 text/html (a captive portal)
  DRIP       forward, then relay the reply one byte every `drip_s` seconds
  HUGE       forward, then send 200 application/json with an endless body (until the client
             hangs up or `huge_bytes` were sent)
The plan sees the request number and the whole request (line, headers, body).
`down()` closes the listening socket (connections refused) and `up()` binds the same port again.
"""

from __future__ import annotations

import contextlib
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Fault(Enum):
    PASS = "pass"
    DELAY = "delay"
    STATUS_500 = "500"
    STATUS_503 = "503"
    CUT = "cut"
    RESET = "reset"
    NOT_FOUND_HTML = "404-html"
    REFUSED_4XX = "400"
    BAD_RETRY_AFTER = "503-bad-retry-after"
    ERROR_AFTER_COMMIT = "500-after-commit"
    GARBLED_AFTER_COMMIT = "garbled-after-commit"
    HTML_AFTER_COMMIT = "html-after-commit"
    DRIP = "drip"
    HUGE = "huge"


_CANNED = {
    Fault.STATUS_500: (
        "500 Internal Server Error",
        "application/json",
        b'{"error": {"code": "INJECTED", "message": "fault proxy"}}',
    ),
    Fault.STATUS_503: (
        "503 Service Unavailable",
        "application/json",
        b'{"error": {"code": "INJECTED", "message": "fault proxy"}}',
    ),
    Fault.BAD_RETRY_AFTER: (
        "503 Service Unavailable",
        "application/json",
        b'{"error": {"code": "INJECTED", "message": "fault proxy"}}',
    ),
    Fault.NOT_FOUND_HTML: ("404 Not Found", "text/html", b"<html><h1>404 Not Found</h1></html>"),
    Fault.REFUSED_4XX: (
        "400 Bad Request",
        "application/json",
        b'{"error": {"code": "PROXY_REFUSED", "message": "whole request"}}',
    ),
}
_AFTER_COMMIT = {
    Fault.ERROR_AFTER_COMMIT: _CANNED[Fault.STATUS_500],
    Fault.GARBLED_AFTER_COMMIT: ("200 OK", "application/json", b'{"results": [{"txn_id": "'),
    Fault.HTML_AFTER_COMMIT: ("200 OK", "text/html", b"<html>Welcome to the hotel Wi-Fi</html>"),
}


@dataclass
class ProxyStats:
    requests: int = 0
    faults: dict[str, int] | None = None

    def count(self, fault: Fault) -> None:
        self.faults = self.faults or {}
        self.faults[fault.value] = self.faults.get(fault.value, 0) + 1


def random_plan(seed: int, pass_ratio: float = 0.5) -> Callable[[int, bytes], Fault]:
    """A seeded plan: roughly `pass_ratio` of requests pass, the rest get a random fault.
    Health checks always pass so the worker's probe sees the core as up."""
    rng = random.Random(seed)
    faults = [Fault.DELAY, Fault.STATUS_500, Fault.STATUS_503, Fault.CUT, Fault.RESET]
    # Every fault at least once early on (between passes), then at random.
    opening = [f for fault in faults for f in (fault, Fault.PASS)]

    def plan(_n: int, head: bytes) -> Fault:
        if head.startswith(b"GET /v1/health "):
            return Fault.PASS
        if opening:
            return opening.pop(0)
        return Fault.PASS if rng.random() < pass_ratio else rng.choice(faults)

    return plan


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        plan: Callable[[int, bytes], Fault],
        *,
        delay_s: float = 1.0,
        retry_after: str = "0",
        tls: ssl.SSLContext | None = None,
        drip_s: float = 1.5,
        huge_bytes: int = 300 * 1024 * 1024,
    ) -> None:
        """`tls`: terminate TLS with this server context (to test verification and pinning)."""
        self._tls = tls
        self._drip_s = drip_s
        self._huge_bytes = huge_bytes
        self.huge_sent = 0  # bytes of HUGE bodies the client let through before hanging up
        self.delivered: list[bytes] = []  # every request the core received through the proxy
        self._upstream = ("127.0.0.1", upstream_port)
        self._plan = plan
        self._delay = delay_s
        self._retry_after = retry_after
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.stats = ProxyStats()

    @property
    def url(self) -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def up(self) -> str:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()
        return self.url

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._thread is not None:
            self._thread.join(5)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # listener closed: down()
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            client.settimeout(10)
            try:
                if self._tls is not None:
                    client = self._tls.wrap_socket(client, server_side=True)
                request = _read_request(client)
            except OSError:
                return
            if not request:
                return
            with self._lock:
                self.stats.requests += 1
                fault = self._plan(self.stats.requests, request)
                self.stats.count(fault)
            # OSError: the client gave up (its read timeout), which is the point of DELAY.
            with contextlib.suppress(OSError):
                self._apply(fault, client, request)

    def _apply(self, fault: Fault, client: socket.socket, request: bytes) -> None:
        if fault is Fault.RESET:
            client.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            return
        if fault in _CANNED:
            status, kind, body = _CANNED[fault]
            retry = {Fault.STATUS_503: self._retry_after, Fault.BAD_RETRY_AFTER: "soon-ish"}
            extra = f"Retry-After: {retry[fault]}\r\n" if fault in retry else ""
            client.sendall(_reply(status, kind, body, extra))
            return
        if fault is Fault.DELAY:
            time.sleep(self._delay)
        reply = _forward(self._upstream, request, self.delivered)
        if fault is Fault.CUT:
            return  # the core has committed; the kiosk never hears about it
        if fault in _AFTER_COMMIT:
            client.sendall(_reply(*_AFTER_COMMIT[fault]))
            return
        if fault is Fault.DRIP:
            for byte in reply:
                client.sendall(bytes([byte]))
                time.sleep(self._drip_s)
            return
        if fault is Fault.HUGE:
            client.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n[")
            chunk = b" " * 65536
            while self.huge_sent < self._huge_bytes:
                client.sendall(chunk)
                self.huge_sent += len(chunk)
            return
        client.sendall(reply)


def _reply(status: str, kind: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.0 {status}\r\nContent-Type: {kind}\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _read_request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    # One request per connection towards the core (it speaks HTTP/1.0 anyway).
    head = b"\r\n".join(
        line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")
    )
    return head + b"\r\nConnection: close\r\n\r\n" + body


def _forward(upstream: tuple[str, int], request: bytes, log: list[bytes] | None = None) -> bytes:
    if log is not None:
        log.append(request)
    with socket.create_connection(upstream, timeout=10) as up:
        up.sendall(request)
        chunks = []
        while True:
            chunk = up.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)
