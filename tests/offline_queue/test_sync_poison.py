"""A poison item (one the core keeps failing on) never blocks the queue, and an outage where
the core fails on everything never empties the queue into dead letters."""

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


def test_an_item_the_core_always_fails_on_is_parked_and_the_rest_flows(rig: Rig) -> None:
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
    assert [rig.state(t) for t in ids] == [
        OutboxState.ACCEPTED,
        OutboxState.ACCEPTED,
        OutboxState.DEAD,
        OutboxState.ACCEPTED,
        OutboxState.ACCEPTED,
    ]
    view = rig.outbox.item(ids[2])
    assert view is not None and (view.last_error or "").startswith("POISON_ITEM")
    assert any(isinstance(e, TransactionDead) and e.txn_id == ids[2] for e in events)
    assert any(isinstance(e, TechnicianAlert) and e.txn_id == ids[2] for e in events)


def test_a_core_failing_on_everything_parks_at_most_one_item(rig: Rig) -> None:
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
    states = [rig.state(t) for t in ids]
    assert states.count(OutboxState.DEAD) <= 1
    assert states.count(OutboxState.PENDING) >= 4  # the outage kept the money queued


def test_a_tool_next_to_a_live_kiosk_only_recovers_stale_batches(rig: Rig) -> None:
    ids = [rig.enqueue(n) for n in range(1, 3)]
    rig.outbox.claim_batch(10)
    assert rig.outbox.recover_in_flight(older_than_s=120) == 0  # a live worker owns it
    rig.clock.advance(121)
    assert rig.outbox.recover_in_flight(older_than_s=120) == 2
    assert [rig.state(t) for t in ids] == [OutboxState.PENDING, OutboxState.PENDING]
