"""The sync worker against the real reference core (and a scripted front for 503s/bad replies)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import FakeClock
from kiosk.money.amount import Money
from offline_queue.db import make_engine
from offline_queue.events import (
    SyncFailed,
    TechnicianAlert,
    TransactionAccepted,
    TransactionDead,
)
from offline_queue.http import CoreHttp
from offline_queue.models import OutboxState
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker

TOKENS = {"kiosk-1": "s3cret-1"}


class MaxJitter:
    """Full jitter always drawing the top of the range, so tests know the delay."""

    def uniform(self, low: float, high: float) -> float:
        return high


@dataclass
class Rig:
    tmp: Path
    clock: FakeClock
    store: Store
    server: CoreServer
    url: str
    engine: Engine
    outbox: Outbox
    events: list[object] = field(default_factory=list)

    def worker(self, url: str | None = None, token: str = "s3cret-1", **kw: Any) -> SyncWorker:
        http = CoreHttp(url or self.url, "kiosk-1", token, read_timeout=5)
        return SyncWorker(self.outbox, http, self.clock, self.events.append, rng=MaxJitter(), **kw)

    def enqueue(self, amount: str = "10.00") -> str:
        txn_id = str(uuid.uuid4())
        with Session(self.engine) as session, session.begin():
            self.outbox.enqueue(
                session,
                txn_id=txn_id,
                type="topup",
                amount=Money(Decimal(amount), "CNY"),
                tender={"type": "cash", "notes": {"10": 1}},
                details={"phone": "138****0000"},
                created_at=datetime(2026, 11, 23, 8, 15, tzinfo=UTC),
            )
        return txn_id

    def state(self, txn_id: str) -> OutboxState:
        view = self.outbox.item(txn_id)
        assert view is not None
        return view.state


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    clock = FakeClock()
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens=TOKENS)
    url = server.start()
    engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
    outbox = Outbox(engine, "kiosk-1", clock)
    outbox.create_schema()
    rig = Rig(tmp_path, clock, store, server, url, engine, outbox)
    yield rig
    rig.server.stop()  # the test may have replaced it with a restarted core
    store.close()
    engine.dispose()


AFTER_COMMIT = "after-commit"  # a canned reply's 4th element: forward first, then answer it


class Front:
    """A scripted stdlib server in front of the core: canned replies first, then it forwards.

    A canned `(status, headers, body, AFTER_COMMIT)` forwards the request to the core (which
    commits it) and then answers the canned reply instead of the core's: the kiosk cannot know
    whether its money was booked."""

    def __init__(self, target: str, canned: list[tuple[Any, ...]]) -> None:
        self.canned = list(canned)
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                """Look-ups and the health check pass through: the core is up."""
                names = ("X-Kiosk-Id", "Authorization")
                reply = requests.get(
                    target + self.path,
                    headers={k: self.headers[k] for k in names if k in self.headers},
                    timeout=5,
                )
                self.send_response(reply.status_code)
                self.send_header("Content-Type", reply.headers.get("Content-Type", ""))
                self.send_header("Content-Length", str(len(reply.content)))
                self.end_headers()
                self.wfile.write(reply.content)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))

                def forward() -> tuple[int, dict[str, str], bytes]:
                    names = ("X-Kiosk-Id", "Authorization", "Content-Type")
                    reply = requests.post(
                        target + self.path,
                        data=body,
                        headers={k: self.headers[k] for k in names if k in self.headers},
                        timeout=5,
                    )
                    kind = reply.headers.get("Content-Type", "application/json")
                    return reply.status_code, {"Content-Type": kind}, reply.content

                if front.canned:
                    status, headers, data, *when = front.canned.pop(0)
                    if when == [AFTER_COMMIT]:
                        forward()
                else:
                    status, headers, data = forward()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,))
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def front_factory(rig: Rig) -> Iterator[Callable[..., Front]]:
    fronts: list[Front] = []

    def make(*canned: tuple[int, dict[str, str], bytes]) -> Front:
        fronts.append(Front(rig.url, list(canned)))
        return fronts[-1]

    yield make
    for front in fronts:
        front.close()


def core_count(rig: Rig) -> int:
    reply = requests.get(
        rig.url + "/v1/reconciliation",
        params={"date": "2026-11-23"},
        headers={"X-Kiosk-Id": "kiosk-1", "Authorization": "Bearer s3cret-1"},
        timeout=5,
    )
    return int(reply.json()["count"])


def test_delivers_in_seq_order_and_marks_accepted(rig: Rig) -> None:
    ids = [rig.enqueue(f"{n}.00") for n in range(1, 6)]
    worker = rig.worker(batch_size=2)
    reports = [worker.sync_once() for _ in range(4)]
    assert [r.sent for r in reports] == [2, 2, 1, 0]
    assert [e.txn_id for e in rig.events] == ids  # type: ignore[attr-defined]
    for txn_id in ids:
        view = rig.outbox.item(txn_id)
        assert view is not None and view.state is OutboxState.ACCEPTED
        assert view.core_ref is not None and view.core_ref.startswith("CR")
    refs = [rig.outbox.item(t).core_ref for t in ids]  # type: ignore[union-attr]
    assert refs == sorted(refs)  # the core saw them in seq order
    assert all(isinstance(e, TransactionAccepted) and not e.duplicate for e in rig.events)
    assert rig.outbox.status().last_success_at == rig.clock.now()


def test_core_down_backs_off_then_delivers_when_back(rig: Rig) -> None:
    txn_id = rig.enqueue()
    worker = rig.worker(backoff_base=2.0, backoff_cap=60.0)
    port = rig.server.port
    rig.server.stop()
    report = worker.sync_once()
    assert report.failed and report.error_code == "CORE_UNREACHABLE" and report.retry_in_s == 2.0
    assert rig.events == [SyncFailed("CORE_UNREACHABLE", 2.0)]
    assert rig.state(txn_id) is OutboxState.PENDING
    assert worker.sync_once().sent == 0  # still backing off
    rig.clock.advance(2.0)
    assert worker.sync_once().retry_in_s == 4.0  # exponential: second failure doubles
    assert "CORE_UNREACHABLE" in (rig.outbox.status().last_error or "")
    rig.server = CoreServer(rig.store, port=port, kiosk_tokens=TOKENS)
    rig.server.start()
    rig.clock.advance(4.0)
    assert worker.sync_once().accepted == 1
    assert rig.state(txn_id) is OutboxState.ACCEPTED
    assert rig.store.transaction_count(txn_id) == 1


def test_rejected_item_goes_dead_without_blocking_later_ones(rig: Rig) -> None:
    first, poison, last = rig.enqueue(), rig.enqueue(), rig.enqueue()
    (entry,) = [e for e in rig.outbox.due_batch(10) if e.txn_id == poison]
    # The core already holds this txn_id with other content (e.g. a restored kiosk DB).
    clash = {**entry.payload, "amount": "99.00"}
    requests.post(
        rig.url + "/v1/transactions",
        json={"transactions": [clash]},
        headers={"X-Kiosk-Id": "kiosk-1", "Authorization": "Bearer s3cret-1"},
        timeout=5,
    ).raise_for_status()
    report = rig.worker().sync_once()
    assert (report.sent, report.accepted, report.dead) == (3, 2, 1)
    assert [rig.state(t) for t in (first, poison, last)] == ["accepted", "dead", "accepted"]
    dead = [e for e in rig.events if isinstance(e, TransactionDead)]
    assert [(e.txn_id, e.code) for e in dead] == [(poison, "IDEMPOTENCY_CONFLICT")]
    assert rig.outbox.status().dead == 1


def test_in_flight_after_a_crash_is_resent_and_counted_once(rig: Rig) -> None:
    ids = [rig.enqueue(), rig.enqueue()]
    batch = rig.outbox.claim_batch(10)  # marked in_flight, sent, then the process died
    requests.post(
        rig.url + "/v1/transactions",
        json={"transactions": [e.payload for e in batch]},
        headers={"X-Kiosk-Id": "kiosk-1", "Authorization": "Bearer s3cret-1"},
        timeout=5,
    ).raise_for_status()
    restarted = Outbox(make_engine(f"sqlite:///{rig.tmp}/kiosk.db"), "kiosk-1", rig.clock)
    restarted.create_schema()
    rig.outbox = restarted
    report = rig.worker().sync_once()
    assert (report.sent, report.duplicates, report.accepted) == (2, 2, 0)
    assert all(isinstance(e, TransactionAccepted) and e.duplicate for e in rig.events)
    assert [rig.store.transaction_count(t) for t in ids] == [1, 1]
    assert core_count(rig) == 2


def test_503_retry_after_is_honoured(rig: Rig, front_factory: Callable[..., Front]) -> None:
    busy = (503, {"Retry-After": "7"}, b'{"error": {"code": "MAINTENANCE", "message": "later"}}')
    front = front_factory(busy)
    txn_id = rig.enqueue()
    worker = rig.worker(url=front.url)
    report = worker.sync_once()
    assert (report.error_code, report.retry_in_s) == ("MAINTENANCE", 7.0)
    assert rig.outbox.next_due_in() == 7.0
    rig.clock.advance(6.5)
    assert worker.sync_once().sent == 0
    rig.clock.advance(0.5)
    assert worker.sync_once().accepted == 1
    assert rig.state(txn_id) is OutboxState.ACCEPTED


@pytest.mark.parametrize(
    "reply",
    [
        b"<html>proxy error</html>",
        b'{"results": []}',
        b'{"results": [{"txn_id": "someone-else", "status": "accepted", "core_ref": "CR1"}]}',
        b'{"results": [{"status": "maybe"}]}',
    ],
)
def test_malformed_reply_is_transient(
    rig: Rig, front_factory: Callable[..., Front], reply: bytes
) -> None:
    front = front_factory((200, {"Content-Type": "application/json"}, reply))
    txn_id = rig.enqueue()
    worker = rig.worker(url=front.url)
    assert worker.sync_once().error_code == "CORE_REPLY_INVALID"
    assert rig.state(txn_id) is OutboxState.PENDING
    assert worker.sync_once(force=True).accepted == 1


def dead_events(rig: Rig) -> list[TransactionDead]:
    return [e for e in rig.events if isinstance(e, TransactionDead)]


def alerts(rig: Rig) -> list[TechnicianAlert]:
    return [e for e in rig.events if isinstance(e, TechnicianAlert)]


def test_a_misrouted_proxy_answering_404_html_dead_letters_nothing(
    rig: Rig, front_factory: Callable[..., Front]
) -> None:
    """Issue 19 #2: a 4xx for the whole batch says nothing about the items (a proxy or route
    problem): alert, back off, keep every item pending; none reached the core."""
    html = (404, {"Content-Type": "text/html"}, b"<html><h1>404 Not Found</h1></html>")
    front = front_factory(*[html] * 6)
    ids = [rig.enqueue() for _ in range(5)]
    worker = rig.worker(url=front.url, batch_size=5, poison_after=2, backoff_cap=60.0)
    reports = [worker.sync_once(force=True) for _ in range(6)]
    assert all(r.failed and r.dead == 0 for r in reports)
    assert reports[0].error_code == "CORE_NOT_FOUND" and reports[0].retry_in_s == 1.0
    assert [rig.state(t) for t in ids] == [OutboxState.PENDING] * 5
    assert dead_events(rig) == [] and rig.outbox.status().dead == 0
    assert alerts(rig) and all(a.txn_id is None for a in alerts(rig))  # a batch, not an item
    assert worker.sync_once().sent == 0  # it backs off (1, 2, 4, ... s)
    assert worker.sync_once(force=True).accepted == 5  # the route is fixed: all delivered
    assert [rig.store.transaction_count(t) for t in ids] == [1] * 5


@pytest.mark.parametrize("status", [400, 409, 413, 415, 422])
def test_no_whole_batch_4xx_is_a_verdict_on_the_items(
    rig: Rig, front_factory: Callable[..., Front], status: int
) -> None:
    refused = (status, {}, b'{"error": {"code": "REFUSED", "message": "whole request"}}')
    front = front_factory(*[refused] * 4)
    first, second = rig.enqueue(), rig.enqueue()
    worker = rig.worker(url=front.url, poison_after=1)
    for _ in range(4):
        report = worker.sync_once(force=True)
        assert report.error_code == "REFUSED" and report.dead == 0
    assert (rig.state(first), rig.state(second)) == ("pending", "pending")
    assert dead_events(rig) == [] and alerts(rig)
    while worker.sync_once(force=True).sent:
        pass
    assert (rig.state(first), rig.state(second)) == ("accepted", "accepted")


def test_per_item_rejection_still_decides_that_item_alone(
    rig: Rig, front_factory: Callable[..., Front]
) -> None:
    first, second = rig.enqueue(), rig.enqueue()
    verdicts = {
        "results": [
            {"txn_id": first, "status": "rejected", "error": {"code": "BAD_ITEM", "message": ""}},
            {"txn_id": second, "status": "accepted", "core_ref": "CR-X"},
        ]
    }
    front = front_factory(
        (200, {"Content-Type": "application/json"}, json.dumps(verdicts).encode())
    )
    report = rig.worker(url=front.url).sync_once()
    assert (report.dead, report.accepted) == (1, 1)
    assert (rig.state(first), rig.state(second)) == ("dead", "accepted")


@pytest.mark.parametrize(
    "fault",
    [
        (500, {"Content-Type": "application/json"}, b'{"error": {"code": "BOOM", "message": ""}}'),
        (200, {"Content-Type": "application/json"}, b'{"results": [{"txn_id": '),
        (200, {"Content-Type": "text/html"}, b"<html>ok</html>"),
    ],
    ids=["500", "truncated-json", "html"],
)
def test_an_item_booked_before_a_fault_stays_pending_and_is_resent(
    rig: Rig, front_factory: Callable[..., Front], fault: tuple[int, dict[str, str], bytes]
) -> None:
    """Issue 19 #6: the core committed, then a 500 or a broken reply: the item's fate is
    unknown, so it stays pending however often it happens, and the re-send is `duplicate`."""
    front = front_factory(*[(*fault, AFTER_COMMIT)] * 6)
    txn_id = rig.enqueue()
    worker = rig.worker(url=front.url, poison_after=2)
    for _ in range(6):
        assert worker.sync_once(force=True).dead == 0
        assert rig.state(txn_id) is OutboxState.PENDING
    assert rig.store.transaction_count(txn_id) == 1  # booked at the first attempt
    assert dead_events(rig) == []
    report = worker.sync_once(force=True)
    assert (report.duplicates, report.dead) == (1, 0)
    assert rig.state(txn_id) is OutboxState.ACCEPTED
    assert rig.store.transaction_count(txn_id) == 1


@pytest.mark.parametrize("value", ["\u00b2", "soon", "-5", "1e3", "Mon, 99 Foo 2026", "  ", "1.5"])
def test_a_nonsense_retry_after_is_ignored_for_the_normal_backoff(
    rig: Rig, front_factory: Callable[..., Front], value: str
) -> None:
    """Issue 19 #7: not an internal error, and a 503 outage never parks an item dead."""
    busy = (503, {"Retry-After": value}, b'{"error": {"code": "MAINTENANCE", "message": ""}}')
    front = front_factory(*[busy] * 5)
    txn_id = rig.enqueue()
    worker = rig.worker(url=front.url, poison_after=1, backoff_base=1.0)
    report = worker.sync_once()
    assert (report.error_code, report.retry_in_s) == ("MAINTENANCE", 1.0)
    for _ in range(4):
        assert worker.sync_once(force=True).error_code == "MAINTENANCE"
    assert rig.state(txn_id) is OutboxState.PENDING and dead_events(rig) == []
    assert worker.sync_once(force=True).accepted == 1


def test_bad_credential_keeps_money_pending(rig: Rig) -> None:
    txn_id = rig.enqueue()
    report = rig.worker(token="wrong", backoff_cap=60.0).sync_once()
    assert (report.error_code, report.retry_in_s) == ("CORE_UNAUTHORIZED", 60.0)
    assert rig.state(txn_id) is OutboxState.PENDING


def test_thread_syncs_on_wake_and_stops_cleanly(rig: Rig) -> None:
    worker = rig.worker()
    worker.start()
    try:
        txn_id = rig.enqueue()
        worker.wake()
        deadline = time.monotonic() + 5
        while rig.state(txn_id) is not OutboxState.ACCEPTED and time.monotonic() < deadline:
            time.sleep(0.02)
        assert rig.state(txn_id) is OutboxState.ACCEPTED
    finally:
        assert worker.stop(timeout=5.0)
    assert json.loads(json.dumps([e.__dict__ for e in rig.events]))[0]["txn_id"] == txn_id
