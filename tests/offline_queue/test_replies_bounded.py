"""Replies from the core are bounded (issue 19 #8): in size (streamed, reading stops above the
cap), in total time (a drip that satisfies every per-read timeout still ends at the deadline)
and in form (strict JSON). Each is a typed, transient CoreError, and the money stays pending.
The faults come from a loopback proxy in front of the real reference core."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import FakeClock
from kiosk.errors import CoreError
from kiosk.money.amount import Money
from offline_queue.db import make_engine
from offline_queue.http import MAX_REPLY_BYTES, CoreHttp, strict_json
from offline_queue.models import OutboxState
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker
from tests.offline_queue.fault_proxy import Fault, FaultProxy


@pytest.fixture
def core(tmp_path: Path) -> Iterator[tuple[Store, int]]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "s3cret-1"})
    server.start()
    yield store, server.port
    server.stop()
    store.close()


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[tuple[Engine, Outbox, FakeClock]]:
    clock = FakeClock()
    engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
    box = Outbox(engine, "kiosk-1", clock)
    box.create_schema()
    yield engine, box, clock
    engine.dispose()


def enqueue(engine: Engine, box: Outbox, clock: FakeClock) -> str:
    txn_id = str(uuid.uuid4())
    with Session(engine) as session, session.begin():
        box.enqueue(
            session,
            txn_id=txn_id,
            type="topup",
            amount=Money(Decimal("20.00"), "CNY"),
            tender={"type": "cash", "notes": {"20": 1}},
            details={"phone": "138****0000"},
            created_at=clock.now(),
        )
    return txn_id


def once(fault: Fault) -> object:
    """The first POST gets `fault`; everything else passes."""
    used: list[bool] = []

    def plan(_n: int, head: bytes) -> Fault:
        if head.startswith(b"POST ") and not used:
            used.append(True)
            return fault
        return Fault.PASS

    return plan


def sync_through(
    core: tuple[Store, int],
    outbox: tuple[Engine, Outbox, FakeClock],
    fault: Fault,
    **http: object,
) -> tuple[str, object, FaultProxy, float]:
    store, port = core
    engine, box, clock = outbox
    txn_id = enqueue(engine, box, clock)
    proxy = FaultProxy(port, once(fault), **http.pop("proxy", {}))  # type: ignore[arg-type]
    proxy.up()
    client = CoreHttp(proxy.url, "kiosk-1", "s3cret-1", **http)  # type: ignore[arg-type]
    worker = SyncWorker(box, client, clock, lambda e: None)
    try:
        started = time.monotonic()
        report = worker.sync_once()
        elapsed = time.monotonic() - started
        assert box.item(txn_id).state is OutboxState.PENDING  # type: ignore[union-attr]
        again = worker.sync_once(force=True)
        assert again.accepted + again.duplicates == 1
        assert store.transaction_count(txn_id) == 1
    finally:
        client.close()
        proxy.down()
    return txn_id, report, proxy, elapsed


def test_a_huge_reply_is_cut_at_the_cap(
    core: tuple[Store, int], outbox: tuple[Engine, Outbox, FakeClock]
) -> None:
    _, report, proxy, _ = sync_through(core, outbox, Fault.HUGE)
    assert report.error_code == "CORE_REPLY_TOO_LARGE"  # type: ignore[attr-defined]
    # The client stopped reading: far less than the 300 MB on offer went out (socket buffers).
    assert proxy.huge_sent < 64 * MAX_REPLY_BYTES


def test_a_declared_content_length_over_the_cap_is_refused_unread(
    core: tuple[Store, int],
) -> None:
    _, port = core
    client = CoreHttp(f"http://127.0.0.1:{port}", "kiosk-1", "s3cret-1", max_reply_bytes=10)
    try:
        with pytest.raises(CoreError) as info:
            client.get_json("/v1/health")
    finally:
        client.close()
    assert (info.value.code, info.value.transient) == ("CORE_REPLY_TOO_LARGE", True)


def test_a_dripping_reply_ends_at_the_deadline(
    core: tuple[Store, int], outbox: tuple[Engine, Outbox, FakeClock]
) -> None:
    """One byte every 0.5 s passes a 5 s per-read timeout forever - status line and headers
    included; the 1.5 s deadline ends it. (The reply is some 300 bytes: relayed in full it
    would take minutes; the bound below is generous, for a loaded machine.)"""
    _, report, _, elapsed = sync_through(
        core, outbox, Fault.DRIP, read_timeout=5, reply_deadline_s=1.5, proxy={"drip_s": 0.5}
    )
    assert report.error_code == "CORE_REPLY_TIMEOUT"  # type: ignore[attr-defined]
    assert elapsed < 20


@pytest.mark.parametrize("fault", [Fault.HTML_AFTER_COMMIT, Fault.GARBLED_AFTER_COMMIT])
def test_not_json_is_a_typed_error_and_the_item_stays_pending(
    core: tuple[Store, int], outbox: tuple[Engine, Outbox, FakeClock], fault: Fault
) -> None:
    _, report, _, _ = sync_through(core, outbox, fault)
    assert report.error_code == "CORE_REPLY_INVALID"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b'{"results": []}', "text/plain"),
        (b'{"results": []}', "text/html; charset=utf-8"),
        (b'{"a": NaN}', "application/json"),
        (b'{"a": 1, "a": 2}', "application/json"),
        (b'{"a": "\xff"}', "application/json"),
        (b'{"results": [', "application/json"),
    ],
)
def test_strict_json_refuses(body: bytes, kind: str) -> None:
    assert strict_json(body, kind) is None


def test_strict_json_accepts_the_contract() -> None:
    assert strict_json(b'{"a": 1}', "application/json; charset=utf-8") == {"a": 1}
    assert strict_json(b'{"a": 1}', "application/problem+json") == {"a": 1}


def test_look_ups_are_bounded_too(core: tuple[Store, int]) -> None:
    _, port = core
    proxy = FaultProxy(port, lambda n, head: Fault.HUGE)
    proxy.up()
    client = CoreHttp(proxy.url, "kiosk-1", "s3cret-1")
    try:
        with pytest.raises(CoreError) as info:
            client.get_json("/v1/billers")
    finally:
        client.close()
        proxy.down()
    assert (info.value.code, info.value.transient) == ("CORE_REPLY_TOO_LARGE", True)
