"""An item the core keeps failing on is isolated and reported, never dead-lettered (the core
may hold it already), and an outage where the core fails on everything parks nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import FakeClock
from kiosk.money.amount import Money
from offline_queue.db import make_engine
from offline_queue.events import TechnicianAlert, TransactionDead
from offline_queue.http import CoreHttp
from offline_queue.models import OutboxState
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker
from tests.offline_queue.fault_proxy import Fault, FaultProxy


class MaxJitter:
    def uniform(self, low: float, high: float) -> float:
        return high


@dataclass
class Rig:
    clock: FakeClock
    outbox: Outbox
    engine: object
    port: int

    def enqueue(self, n: int) -> str:
        txn_id = str(uuid.uuid4())
        with Session(self.engine) as s, s.begin():  # type: ignore[call-overload]
            self.outbox.enqueue(
                s,
                txn_id=txn_id,
                type="topup",
                amount=Money(Decimal(n), "CNY"),
                tender={"type": "cash"},
                details={"n": n},
                created_at=self.clock.now(),
            )
        return txn_id

    def state(self, txn_id: str) -> OutboxState:
        view = self.outbox.item(txn_id)
        assert view is not None
        return view.state


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "s3cret-1"})
    server.start()
    clock = FakeClock()
    engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
    outbox = Outbox(engine, "kiosk-1", clock)
    outbox.create_schema()
    yield Rig(clock, outbox, engine, server.port)
    engine.dispose()
    server.stop()
    store.close()


def worker(rig: Rig, proxy: FaultProxy, events: list[object]) -> SyncWorker:
    http = CoreHttp(proxy.url, "kiosk-1", "s3cret-1", read_timeout=5)
    return SyncWorker(
        rig.outbox, http, rig.clock, events.append, batch_size=10, poison_after=3, rng=MaxJitter()
    )


def test_an_item_the_core_always_fails_on_stays_queued_and_a_technician_is_told(
    rig: Rig,
) -> None:
    """Issue 19 #6: a 500 may come after the core committed, so the item is never dead-lettered
    on it (a dead letter would show booked money as lost); it is isolated, alerted once, kept."""
    ids = [rig.enqueue(n) for n in range(1, 6)]
    poison = ids[2].encode()
    proxy = FaultProxy(rig.port, lambda n, req: Fault.STATUS_500 if poison in req else Fault.PASS)
    proxy.up()
    events: list[object] = []
    sync = worker(rig, proxy, events)
    try:
        for _ in range(12):
            sync.sync_once(force=True)
    finally:
        proxy.down()
    states = [rig.state(t) for t in ids]
    assert states[:2] == [OutboxState.ACCEPTED, OutboxState.ACCEPTED]
    assert OutboxState.DEAD not in states
    assert states[2] is OutboxState.PENDING
    assert not any(isinstance(e, TransactionDead) for e in events)
    suspects = [e for e in events if isinstance(e, TechnicianAlert) and e.txn_id == ids[2]]
    assert [e.code for e in suspects] == ["POISON_SUSPECT"]  # once, not at every attempt


def test_a_core_failing_on_everything_parks_nothing(rig: Rig) -> None:
    ids = [rig.enqueue(n) for n in range(1, 6)]
    proxy = FaultProxy(
        rig.port,
        lambda n, req: Fault.PASS if req.startswith(b"GET /v1/health ") else Fault.STATUS_500,
    )
    proxy.up()
    sync = worker(rig, proxy, [])
    try:
        for _ in range(30):
            sync.sync_once(force=True)
    finally:
        proxy.down()
    assert [rig.state(t) for t in ids] == [OutboxState.PENDING] * 5  # the outage kept it all


def test_a_tool_next_to_a_live_kiosk_only_recovers_stale_batches(rig: Rig) -> None:
    ids = [rig.enqueue(n) for n in range(1, 3)]
    rig.outbox.claim_batch(10)
    assert rig.outbox.recover_in_flight(older_than_s=120) == 0  # a live worker owns it
    rig.clock.advance(121)
    assert rig.outbox.recover_in_flight(older_than_s=120) == 2
    assert [rig.state(t) for t in ids] == [OutboxState.PENDING, OutboxState.PENDING]
