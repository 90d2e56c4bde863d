"""The kiosk's HTTP link to the core, classifying every failure as CORE_API.md says.

One `requests.Session` (connection reuse, one place for the credential). Use one CoreHttp per
thread: the sync worker and the journey's look-ups each get their own, so a slow batch upload
never holds up a bill look-up. The bearer token lives only in the session headers: it is never
put in an exception message or a log line.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from kiosk.errors import CoreError

logger = logging.getLogger(__name__)

_PERMANENT = {400: "CORE_BAD_REQUEST", 404: "CORE_NOT_FOUND", 409: "CORE_CONFLICT"}
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
MAX_RETRY_AFTER_S = 3600.0
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
    ) -> None:
        """`verify`: True (system CAs, the default), a CA bundle path, or False (loopback tests
        only). `pin_sha256`: the core's leaf certificate SHA-256 fingerprint (hex, colons
        allowed); checked on every new TLS connection on top of CA verification."""
        self._base = base_url.rstrip("/")
        self._timeout = (connect_timeout, read_timeout)
        self._session = requests.Session()
        self._session.verify = verify
        if pin_sha256:
            self._session.mount("https://", PinnedAdapter(pin_sha256))
        self._session.trust_env = False  # a proxy from the environment must not see the token
        self._session.headers.update(
            {
                "X-Kiosk-Id": kiosk_id,
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
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
        try:
            response = self._session.request(
                method,
                self._base + path,
                timeout=self._timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.exceptions.SSLError as exc:
            # Wrong certificate or pin: possibly an interception; keep the money queued, alert.
            raise CoreError(
                f"{method} {path}: TLS verification failed", code="CORE_TLS_FAILED", transient=True
            ) from exc
        except requests.Timeout as exc:
            raise CoreError(
                f"{method} {path}: timed out", code="CORE_TIMEOUT", transient=True
            ) from exc
        except requests.ConnectionError as exc:
            raise CoreError(
                f"{method} {path}: cannot connect", code="CORE_UNREACHABLE", transient=True
            ) from exc
        except requests.RequestException as exc:
            raise CoreError(
                f"{method} {path}: {type(exc).__name__}", code="CORE_UNREACHABLE", transient=True
            ) from exc
        with response:
            return _classify(method, path, response)


class PinnedAdapter(HTTPAdapter):
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


def _classify(method: str, path: str, response: requests.Response) -> Any:
    status = response.status_code
    where = f"{method} {path} -> {status}"
    if 200 <= status < 300:
        if status == 204:
            return None
        try:
            data = response.json()
        except ValueError as exc:
            raise CoreError(
                f"{where}: reply is not JSON",
                code="CORE_REPLY_INVALID",
                transient=True,
                status=status,
            ) from exc
        if not isinstance(data, dict):
            raise CoreError(
                f"{where}: reply is not a JSON object",
                code="CORE_REPLY_INVALID",
                transient=True,
                status=status,
            )
        return data
    body_code, body_message = _error_body(response)
    message = f"{where}: {body_message}" if body_message else where
    if status in (401, 403):
        raise CoreError(message, code="CORE_UNAUTHORIZED", transient=False, status=status)
    if status in (429, 503):
        raise CoreError(
            message,
            code=body_code or ("CORE_THROTTLED" if status == 429 else "CORE_UNAVAILABLE"),
            transient=True,
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 500:
        raise CoreError(
            message, code=body_code or "CORE_SERVER_ERROR", transient=True, status=status
        )
    fallback = _PERMANENT.get(
        status, "CORE_UNPROCESSABLE" if status == 422 else "CORE_REQUEST_FAILED"
    )
    raise CoreError(message, code=body_code or fallback, transient=False, status=status)


def _error_body(response: requests.Response) -> tuple[str | None, str]:
    """The contract's `{"error": {"code", "message"}}`, tolerating anything else."""
    try:
        data = response.json()
        error = data["error"]
        code = error.get("code")
        message = error.get("message")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, ""
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
