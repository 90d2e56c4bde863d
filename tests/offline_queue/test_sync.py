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
from offline_queue.events import SyncFailed, TransactionAccepted, TransactionDead
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


class Front:
    """A scripted stdlib server in front of the core: canned replies first, then it forwards."""

    def __init__(self, target: str, canned: list[tuple[int, dict[str, str], bytes]]) -> None:
        self.canned = list(canned)
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if front.canned:
                    status, headers, data = front.canned.pop(0)
                else:
                    reply = requests.post(
                        target + self.path,
                        data=body,
                        headers={k: self.headers[k] for k in ("X-Kiosk-Id", "Authorization")},
                        timeout=5,
                    )
                    status, headers, data = reply.status_code, {}, reply.content
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


def test_whole_batch_4xx_isolates_the_item_one_by_one(
    rig: Rig, front_factory: Callable[..., Front]
) -> None:
    too_big = (413, {}, b'{"error": {"code": "PAYLOAD_TOO_LARGE", "message": "big"}}')
    front = front_factory(too_big, too_big)
    first, second = rig.enqueue(), rig.enqueue()
    worker = rig.worker(url=front.url)
    assert worker.sync_once().error_code == "PAYLOAD_TOO_LARGE"  # batch of 2 back to pending
    assert worker.sync_once().dead == 1  # alone, the first still fails: it is the poison
    assert worker.sync_once().accepted == 1
    assert (rig.state(first), rig.state(second)) == ("dead", "accepted")


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
