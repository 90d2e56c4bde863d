"""The kiosk's look-ups and CoreHttp's error classification, against real local servers."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.errors import CoreError
from kiosk.money.billing import CoreReplyError
from kiosk.runtime.core_client import CoreClient
from offline_queue.http import CoreHttp, parse_retry_after

TOKEN = "tok-ABC-123"


@pytest.fixture
def core(tmp_path: Path) -> Iterator[tuple[CoreServer, str]]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": TOKEN})
    url = server.start()
    yield server, url
    server.stop()
    store.close()


def client(url: str, token: str = TOKEN, **kw: Any) -> CoreClient:
    return CoreClient(CoreHttp(url, "kiosk-1", token, **kw))


@pytest.fixture
def stub() -> Iterator[Callable[..., str]]:
    """A server answering every GET with one canned reply (after an optional delay)."""
    servers: list[ThreadingHTTPServer] = []

    def make(
        status: int, body: bytes, headers: dict[str, str] | None = None, delay: float = 0
    ) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(delay)
                self.send_response(status)
                for key, value in ({"Content-Type": "application/json"} | (headers or {})).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The timeout test's client hangs up before the reply.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield make
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def test_billers_and_bills(core: tuple[CoreServer, str]) -> None:
    kiosk = client(core[1])
    assert kiosk.health()
    assert [b.code for b in kiosk.billers()] == ["SGCC", "WATER", "GAS"], "in the core's order"
    (bill,) = kiosk.bills("SGCC", "1234567890")
    assert bill.bill_id == "B-SGCC-2026-10-0001" and str(bill.amount_due.amount) == "125.50"
    assert kiosk.bills("SGCC", "1111111111") == []
    assert len(kiosk.bills("SGCC", "9876543210")) == 2


def test_unknown_account_is_permanent(core: tuple[CoreServer, str]) -> None:
    with pytest.raises(CoreError) as info:
        client(core[1]).bills("SGCC", "5555555555")
    assert (info.value.code, info.value.transient, info.value.status) == (
        "UNKNOWN_ACCOUNT",
        False,
        404,
    )


def test_wrong_token_is_core_unauthorized_and_never_echoed(core: tuple[CoreServer, str]) -> None:
    with pytest.raises(CoreError) as info:
        client(core[1], token="not-the-token-XYZ").billers()
    assert (info.value.code, info.value.transient, info.value.status) == (
        "CORE_UNAUTHORIZED",
        False,
        401,
    )
    assert "not-the-token-XYZ" not in str(info.value) and "not-the-token-XYZ" not in repr(
        info.value
    )


def test_core_down_is_transient(core: tuple[CoreServer, str]) -> None:
    server, url = core
    server.stop()
    kiosk = client(url)
    assert kiosk.health() is False
    with pytest.raises(CoreError) as info:
        kiosk.bills("SGCC", "1234567890")
    assert (info.value.code, info.value.transient) == ("CORE_UNREACHABLE", True)
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    ("status", "body", "code", "transient"),
    [
        (200, b"<html>captive portal</html>", "CORE_REPLY_INVALID", True),
        (200, b"[1, 2]", "CORE_REPLY_INVALID", True),
        (500, b"Traceback...", "CORE_SERVER_ERROR", True),
        (502, b'{"error": {"code": "BAD_GATEWAY", "message": "x"}}', "BAD_GATEWAY", True),
        (422, b"{}", "CORE_UNPROCESSABLE", False),
        (409, b'{"error": "flat"}', "CORE_CONFLICT", False),
        (403, b'{"error": {"code": "FORBIDDEN", "message": "x"}}', "CORE_UNAUTHORIZED", False),
        (429, b"{}", "CORE_THROTTLED", True),
    ],
)
def test_http_failures_are_classified(
    stub: Callable[..., str], status: int, body: bytes, code: str, transient: bool
) -> None:
    with pytest.raises(CoreError) as info:  # (billers() turns a bad 200 into CoreReplyError)
        client(stub(status, body)).bills("SGCC", "1234567890")
    assert (info.value.code, info.value.transient, info.value.status) == (code, transient, status)


@pytest.mark.parametrize(
    "body",
    [
        b'{"nothing": []}',
        b'{"billers": {"SGCC": 1}}',
        b'{"billers": [{"code": "SGCC"}]}',
        b'{"billers": [null]}',
        b'{"bills": [{"bill_id": 1}]}',
    ],
)
def test_wrong_shape_is_a_typed_error(stub: Callable[..., str], body: bytes) -> None:
    kiosk = client(stub(200, body))
    with pytest.raises(CoreReplyError):
        kiosk.billers() if b"bills" not in body else kiosk.bills("SGCC", "1234567890")


def test_bills_for_another_account_are_refused(stub: Callable[..., str]) -> None:
    bill = (
        b'{"bills": [{"bill_id": "B1", "biller": "SGCC", "account": "9999999999", "holder": "X",'
        b' "period": "2026-10", "amount_due": {"amount": "1.00", "currency": "CNY"},'
        b' "due_date": "2026-11-30"}]}'
    )
    with pytest.raises(CoreReplyError):
        client(stub(200, bill)).bills("SGCC", "1234567890")


def test_503_carries_retry_after(stub: Callable[..., str]) -> None:
    with pytest.raises(CoreError) as info:
        client(stub(503, b"", {"Retry-After": "12"})).billers()
    assert (info.value.code, info.value.transient, info.value.retry_after) == (
        "CORE_UNAVAILABLE",
        True,
        12.0,
    )


def test_read_timeout_is_transient(stub: Callable[..., str]) -> None:
    with pytest.raises(CoreError) as info:
        client(stub(200, b"{}", delay=0.5), read_timeout=0.1).billers()
    assert (info.value.code, info.value.transient) == ("CORE_TIMEOUT", True)


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 23, 8, 15, tzinfo=UTC)
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Mon, 23 Nov 2026 08:16:00 GMT", now=now) == 60.0
    assert parse_retry_after("Mon, 23 Nov 2026 08:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("999999") == 3600.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


BILLER = (
    '{"code": "%s", "name": {"zh_CN": "电", "en": "Power"}, "account_pattern": "^[0-9]{10}$",'
    ' "min_amount": {"amount": "1.00", "currency": "CNY"},'
    ' "max_amount": {"amount": "5000.00", "currency": "CNY"}, "partial_allowed": false,'
    ' "offline": {"allowed": true, "limit": {"amount": "500.00", "currency": "CNY"}}}'
)


def test_a_malformed_biller_is_skipped_with_its_reason_and_the_rest_offered(
    stub: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 19 #14: one bad biller never hides the others."""
    good, broken = BILLER % "SGCC", (BILLER % "WATER").replace('"1.00"', '"one yuan"')
    body = f'{{"billers": [{broken}, {good}, {{"code": "GAS"}}]}}'.encode()
    with caplog.at_level(logging.WARNING):
        billers = client(stub(200, body)).billers()
    assert [b.code for b in billers] == ["SGCC"]
    assert "WATER" in caplog.text and "GAS" in caplog.text and "invalid biller" in caplog.text


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"<html>captive portal</html>", {"Content-Type": "text/html"}),
        (b'{"billers": [', {}),
        (b'{"billers": [null]}', {}),
    ],
)
def test_a_bad_reply_is_core_reply_invalid_never_core_unreachable(
    stub: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    headers: dict[str, str],
) -> None:
    """Issue 19 #14: the core answered, so nothing may say it is unreachable."""
    from kiosk.runtime.adapters import CoreBillLookup

    kiosk = client(stub(200, body, headers))
    with pytest.raises(CoreReplyError) as info:
        kiosk.billers()
    assert info.value.code == "CORE_REPLY_INVALID"
    from kiosk.clock import FakeClock

    lookup = CoreBillLookup(kiosk, None, None, FakeClock())  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO):
        assert lookup.refresh_billers() is False
    assert "core answered" in caplog.text and "unreachable" not in caplog.text.lower()


def test_a_huge_bills_reply_is_reply_invalid_not_unreachable(stub: Callable[..., str]) -> None:
    with pytest.raises(CoreError) as info:
        CoreClient(
            CoreHttp(stub(200, b"[" + b" " * 2048), "kiosk-1", TOKEN, max_reply_bytes=1024)
        ).bills("SGCC", "1234567890")
    assert (info.value.code, info.value.transient) == ("CORE_REPLY_INVALID", True)
