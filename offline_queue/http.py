"""The kiosk's HTTP link to the core, classifying every failure as CORE_API.md says.

One `requests.Session` (connection reuse, one place for the credential). Use one CoreHttp per
thread: the sync worker and the journey's look-ups each get their own, so a slow batch upload
never holds up a bill look-up. The bearer token lives only in the session headers: it is never
put in an exception message or a log line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from kiosk.errors import CoreError

logger = logging.getLogger(__name__)

_PERMANENT = {400: "CORE_BAD_REQUEST", 404: "CORE_NOT_FOUND", 409: "CORE_CONFLICT"}
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
MAX_RETRY_AFTER_S = 3600.0
MAX_REPLY_BYTES = 1024 * 1024  # the largest reply the contract needs is a page of a statement
_CHUNK = 64 * 1024
_DELTA_SECONDS = re.compile(r"[0-9]{1,12}", re.ASCII)


class CoreHttp:
    def __init__(
        self,
        base_url: str,
        kiosk_id: str,
        token: str,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 10,
        verify: bool | str = True,
        pin_sha256: str = "",
        max_reply_bytes: int = MAX_REPLY_BYTES,
        reply_deadline_s: float | None = None,
    ) -> None:
        """`verify`: True (system CAs, the default), a CA bundle path, or False (loopback tests
        only). `pin_sha256`: the core's leaf certificate SHA-256 fingerprint (hex, colons
        allowed); checked on every new TLS connection on top of CA verification.
        `max_reply_bytes` caps a reply (CORE_REPLY_TOO_LARGE); `reply_deadline_s` bounds the
        whole exchange, however slowly bytes trickle in (CORE_REPLY_TIMEOUT); by default
        the connect timeout plus twice the read timeout (23 s with the defaults: the drip of
        issue 19 #8 held a sync for 40 s)."""
        self._base = base_url.rstrip("/")
        self._timeout = (connect_timeout, read_timeout)
        self._max_reply = max_reply_bytes
        self._deadline = (
            reply_deadline_s if reply_deadline_s is not None else connect_timeout + 2 * read_timeout
        )
        self._session = requests.Session()
        self._session.verify = verify
        self._session.mount("http://", _BoundedAdapter())
        self._session.mount("https://", _BoundedAdapter())
        if pin_sha256:
            self._session.mount("https://", PinnedAdapter(pin_sha256))
        self._session.trust_env = False  # a proxy from the environment must not see the token
        self._session.headers.update(
            {
                "X-Kiosk-Id": kiosk_id,
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                # No compression: the size cap counts what is read, and a gzip bomb cannot
                # expand past it inside one decode call.
                "Accept-Encoding": "identity",
                "User-Agent": "kiosk-terminal/0.1",
            }
        )

    def __repr__(self) -> str:
        return f"CoreHttp({self._base!r})"

    def close(self) -> None:
        self._session.close()

    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        return self._request("GET", path, params=params)

    def post_json(self, path: str, body: Any) -> Any:
        return self._request("POST", path, json=body)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        started = time.monotonic()
        deadline = _CURRENT.deadline = _Deadline(self._deadline)
        try:
            return self._exchange(method, path, started, kwargs)
        except CoreError as exc:
            if deadline.fired:
                raise self._timed_out(f"{method} {path}", exc.status) from exc
            raise
        finally:
            deadline.cancel()
            _CURRENT.deadline = None

    def _timed_out(self, where: str, status: int | None) -> CoreError:
        return CoreError(
            f"{where}: reply not complete within {self._deadline:g}s",
            code="CORE_REPLY_TIMEOUT",
            transient=True,
            status=status,
        )

    def _exchange(self, method: str, path: str, started: float, kwargs: dict[str, Any]) -> Any:
        where = f"{method} {path}"
        try:
            response = self._session.request(
                method,
                self._base + path,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,  # the body is read below, bounded in size and total time
                **kwargs,
            )
        except requests.exceptions.SSLError as exc:
            # Wrong certificate or pin: possibly an interception; keep the money queued, alert.
            raise CoreError(
                f"{where}: TLS verification failed", code="CORE_TLS_FAILED", transient=True
            ) from exc
        except requests.Timeout as exc:
            raise CoreError(f"{where}: timed out", code="CORE_TIMEOUT", transient=True) from exc
        except requests.ConnectionError as exc:
            raise CoreError(
                f"{where}: cannot connect", code="CORE_UNREACHABLE", transient=True
            ) from exc
        except requests.RequestException as exc:
            raise CoreError(
                f"{where}: {type(exc).__name__}", code="CORE_UNREACHABLE", transient=True
            ) from exc
        with response:
            body = self._read_body(response, where, started)
            return _classify(where, response.status_code, response.headers, body)

    def _read_body(self, response: requests.Response, where: str, started: float) -> bytes:
        """The reply body, at most `max_reply_bytes`, finished within `reply_deadline_s` of the
        request's start (issue 19 #8: a 300 MB body took the kiosk to 666 MiB; a reply
        dripping one byte every 1.5 s passed every per-read timeout and held a sync for 40 s).

        Read in chunks of whatever the socket has (`read1`), so a drip is seen byte by byte
        and the deadline checked between reads; each read still waits at most the per-read
        timeout. A declared Content-Length over the cap is refused before reading at all.
        """
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_reply:
            raise _too_large(where, self._max_reply, response.status_code)
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if time.monotonic() - started > self._deadline:
                    raise self._timed_out(where, response.status_code)
                chunk = response.raw.read1(_CHUNK)
                if not chunk:
                    return b"".join(chunks)
                size += len(chunk)
                if size > self._max_reply:
                    raise _too_large(where, self._max_reply, response.status_code)
                chunks.append(chunk)
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
            raise CoreError(
                f"{where}: timed out reading the reply", code="CORE_TIMEOUT", transient=True
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise CoreError(
                f"{where}: connection lost mid-reply ({type(exc).__name__})",
                code="CORE_UNREACHABLE",
                transient=True,
            ) from exc


def _too_large(where: str, limit: int, status: int) -> CoreError:
    return CoreError(
        f"{where}: reply larger than {limit} bytes",
        code="CORE_REPLY_TOO_LARGE",
        transient=True,
        status=status,
    )


class _Deadline:
    """The total-time bound of the request running on this thread (see `_BoundedAdapter`)."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.fired = False
        self._timer: threading.Timer | None = None

    def arm(self, sock: socket.socket) -> None:
        """From now until `cancel`, the connection is shut down at the deadline: a blocked
        read of the status line, the headers or the body then ends at once."""
        self.cancel()
        self._timer = threading.Timer(max(0.0, self.at - time.monotonic()), self._fire, (sock,))
        self._timer.daemon = True
        self._timer.start()

    def _fire(self, sock: socket.socket) -> None:
        self.fired = True
        with contextlib.suppress(OSError):
            # The plain socket's shutdown even for a TLS socket: no TLS alert from this thread.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


_CURRENT = threading.local()


class _DeadlineConnection(urllib3.connection.HTTPConnection):
    def getresponse(self) -> Any:  # type: ignore[override]
        deadline = getattr(_CURRENT, "deadline", None)
        if deadline is not None and self.sock is not None:
            deadline.arm(self.sock)
        return super().getresponse()


class _DeadlineHTTPSConnection(urllib3.connection.HTTPSConnection):
    def getresponse(self) -> Any:  # type: ignore[override]
        deadline = getattr(_CURRENT, "deadline", None)
        if deadline is not None and self.sock is not None:
            deadline.arm(self.sock)
        return super().getresponse()


class _DeadlinePool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineConnection


class _DeadlineHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _BoundedAdapter(HTTPAdapter):
    """Connections whose wait for a reply ends at the request's total deadline.

    Per-read timeouts alone let a server that sends one byte every 1.5 s hold a request for
    as long as it likes - in the status line and headers too, which http.client reads before
    the kiosk sees a byte of the body. So once the request is sent, a timer shuts the socket
    down at the deadline (issue 19 #8)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _DeadlinePool,
            "https": _DeadlineHTTPSPool,
        }


class PinnedAdapter(_BoundedAdapter):
    """Certificate pinning: urllib3 compares the peer's leaf certificate fingerprint on every
    handshake (after the usual chain and host-name checks) and refuses the connection on a
    mismatch, before a byte of the request (or the bearer token) is sent."""

    def __init__(self, pin_sha256: str) -> None:
        pin = pin_sha256.replace(":", "").strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", pin):
            raise ValueError("pin_sha256 must be 64 hex digits (a SHA-256 fingerprint)")
        self._pin = pin
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["assert_fingerprint"] = self._pin
        super().init_poolmanager(*args, **kwargs)


def _classify(where: str, status: int, headers: Mapping[str, str], body: bytes) -> Any:
    where = f"{where} -> {status}"
    if 200 <= status < 300:
        if status == 204:
            return None
        data = strict_json(body, headers.get("Content-Type", ""))
        if data is None:
            raise CoreError(
                f"{where}: reply is not JSON (Content-Type {headers.get('Content-Type')!r})",
                code="CORE_REPLY_INVALID",
                transient=True,
                status=status,
            )
        if not isinstance(data, dict):
            raise CoreError(
                f"{where}: reply is not a JSON object",
                code="CORE_REPLY_INVALID",
                transient=True,
                status=status,
            )
        return data
    body_code, body_message = _error_body(body, headers.get("Content-Type", ""))
    message = f"{where}: {body_message}" if body_message else where
    if status in (401, 403):
        raise CoreError(message, code="CORE_UNAUTHORIZED", transient=False, status=status)
    if status in (429, 503):
        raise CoreError(
            message,
            code=body_code or ("CORE_THROTTLED" if status == 429 else "CORE_UNAVAILABLE"),
            transient=True,
            status=status,
            retry_after=parse_retry_after(headers.get("Retry-After")),
        )
    if status >= 500:
        raise CoreError(
            message, code=body_code or "CORE_SERVER_ERROR", transient=True, status=status
        )
    fallback = _PERMANENT.get(
        status, "CORE_UNPROCESSABLE" if status == 422 else "CORE_REQUEST_FAILED"
    )
    raise CoreError(message, code=body_code or fallback, transient=False, status=status)


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _NotJson("duplicate key")  # which of two values would be the core's answer?
    return data


def strict_json(body: bytes, content_type: str) -> Any | None:
    """The body as JSON when it is declared JSON and is strictly so; None otherwise.

    Strict: Content-Type application/json (or a +json type), UTF-8, no NaN/Infinity, no
    duplicate keys. A captive portal's HTML, a proxy's text error, or a truncated body is
    never half-read as an answer about money.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        return None
    try:
        return json.loads(
            body.decode("utf-8"), parse_constant=_refuse_constant, object_pairs_hook=_unique
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _error_body(body: bytes, content_type: str) -> tuple[str | None, str]:
    """The contract's `{"error": {"code", "message"}}`, tolerating anything else."""
    data = strict_json(body, content_type or "application/json")
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None, ""
    code, message = error.get("code"), error.get("message")
    code = code if isinstance(code, str) and _CODE.match(code) else None
    message = message[:200] if isinstance(message, str) else ""
    return code, message


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (delta-seconds or an HTTP date), clamped to an hour.

    Anything else ("soon", "-5", "1.5", "²", an impossible date) is None: the caller falls back
    to its normal backoff. A header is the other side's input, never a reason for an internal
    error (issue 19 #7: "²" passed str.isdigit() and then broke float()).
    """
    if value is None:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return min(float(int(value)), MAX_RETRY_AFTER_S)
    if len(value) > 64:
        return None
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delta = (when - (now or datetime.now(UTC))).total_seconds()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, delta), MAX_RETRY_AFTER_S)
