"""Issue 19: one malformed biller hid all billers, and the kiosk then logged "core unreachable"
although the core answered. CORE_API.md: a biller that cannot be parsed is left out and
reported; it never hides the others - on the core's side and on the kiosk's."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import BillerRow, Store
from kiosk.clock import FakeClock
from kiosk.events import EventBus
from kiosk.money.billing import CoreReplyError
from kiosk.runtime.adapters import CoreBillLookup
from kiosk.runtime.core_client import CoreClient
from kiosk.runtime.worker import Worker
from offline_queue.http import CoreHttp

TOKENS = {"kiosk-1": "tok-1"}


def _broken(code: str, **over: Any) -> BillerRow:
    row = {
        "code": code,
        "name_zh": "坏",
        "name_en": "Broken",
        "account_pattern": "^[0-9]{6}$",
        "currency": "CNY",
        "min_amount": "1.00",
        "max_amount": "100.00",
        "partial_allowed": False,
        "offline_allowed": False,
        "offline_limit": "0.00",
        "position": -1,  # offered first: it must not take the others down with it
    }
    return BillerRow(**{**row, **over})


@pytest.fixture
def core(tmp_path: Path) -> Iterator[str]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    with Session(store._engine) as s, s.begin():  # what a bad back-office import leaves behind
        s.add(_broken("BADMONEY", min_amount="1.0.0"))
        s.add(_broken("BADCUR", currency="XYZ"))
        s.add(_broken("BADRE", account_pattern="(["))
    server = CoreServer(store, kiosk_tokens=TOKENS, clock=FakeClock())
    url = server.start()
    try:
        yield url
    finally:
        server.stop()
        store.close()


def _kiosk(url: str) -> CoreClient:
    return CoreClient(CoreHttp(url, "kiosk-1", "tok-1"))


def test_a_malformed_biller_is_left_out_and_logged_by_the_core(
    core: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="core_system")
    assert [b.code for b in _kiosk(core).billers()] == ["SGCC", "WATER", "GAS"]
    logged = caplog.text
    assert "BADMONEY" in logged and "BADCUR" in logged and "BADRE" in logged


def test_bills_of_a_malformed_biller_are_unknown_rather_than_a_500(core: str) -> None:
    http = CoreHttp(core, "kiosk-1", "tok-1")
    with pytest.raises(Exception) as info:
        http.get_json("/v1/bills", {"biller": "BADRE", "account": "123456"})
    assert getattr(info.value, "code", "") == "UNKNOWN_BILLER"


@pytest.fixture
def stub() -> Iterator[Any]:
    """A core that answers /v1/billers with a canned list (what a buggy core might send)."""
    servers: list[ThreadingHTTPServer] = []

    def make(billers: list[Any]) -> str:
        body = json.dumps({"billers": billers}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield make
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


GOOD = {
    "code": "SGCC",
    "name": {"zh_CN": "国家电网", "en": "State Grid"},
    "account_pattern": "^[0-9]{10}$",
    "min_amount": {"amount": "1.00", "currency": "CNY"},
    "max_amount": {"amount": "5000.00", "currency": "CNY"},
    "partial_allowed": False,
    "offline": {"allowed": True, "limit": {"amount": "500.00", "currency": "CNY"}},
}


def test_the_kiosk_keeps_the_good_billers_and_says_the_core_sent_an_invalid_one(
    stub: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    bad = {**GOOD, "code": "BAD", "min_amount": {"amount": "x", "currency": "CNY"}}
    assert [b.code for b in _kiosk(stub([bad, GOOD])).billers()] == ["SGCC"]
    assert "core answered with an invalid biller" in caplog.text
    assert "unreachable" not in caplog.text


def test_a_list_of_only_invalid_billers_is_an_invalid_reply_not_an_unreachable_core(
    stub: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    url = stub([{"code": "BAD"}])
    with pytest.raises(CoreReplyError):
        _kiosk(url).billers()
    worker = Worker("test-billers")
    try:
        lookup = CoreBillLookup(_kiosk(url), EventBus(), worker, FakeClock())
        assert lookup.refresh_billers() is False and lookup.billers() == ()
    finally:
        worker.stop()
    assert "core answered with an invalid biller" in caplog.text
