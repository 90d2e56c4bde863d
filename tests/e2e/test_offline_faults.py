"""Store-and-forward through a fault-injecting proxy: refused connections, delays longer than
the read timeout, 500s, 503s with Retry-After, replies cut after the core committed.

Whatever happens on the wire, every journaled payment reaches the core exactly once, and the
core holds the kiosk's seq numbers 1..N without a gap. Size: OFFLINE_FAULT_ITEMS (CI: small).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store, TransactionRow
from kiosk.clock import SystemClock
from kiosk.money.amount import Money
from kiosk.money.ledger import Ledger
from offline_queue.db import make_engine
from offline_queue.events import TransactionAccepted
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker
from tests.offline_queue.fault_proxy import Fault, FaultProxy, random_plan

ITEMS = int(os.environ.get("OFFLINE_FAULT_ITEMS", "60"))
AUTH = {"X-Kiosk-Id": "kiosk-1", "Authorization": "Bearer s3cret-1"}


@dataclass
class Core:
    store: Store
    server: CoreServer
    url: str

    def rows(self) -> list[TransactionRow]:
        with Session(self.store._engine) as s:  # test-only peek at the core's table
            return list(s.scalars(select(TransactionRow).order_by(TransactionRow.seq)))


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "s3cret-1"})
    url = server.start()
    yield Core(store, server, url)
    server.stop()
    store.close()


def pay(ledger: Ledger, n: int) -> str:
    txn_id = str(uuid.uuid4())
    ledger.commit_money(
        f"session-{n}",
        "payment_committed",
        {"n": n},
        txn_id=txn_id,
        txn_type="topup",
        amount=Money(Decimal(n % 50 + 1), "CNY"),
        tender={"type": "cash", "notes": {str(n % 50 + 1): 1}},
        details={"phone": "138****0000", "n": n},
    )
    return txn_id


def test_every_payment_reaches_the_core_once_in_spite_of_every_fault(
    core: Core, tmp_path: Path
) -> None:
    proxy = FaultProxy(core.server.port, random_plan(seed=7, pass_ratio=0.45), delay_s=0.6)
    proxy.up()
    clock = SystemClock()
    engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
    outbox = Outbox(engine, "kiosk-1", clock)
    ledger = Ledger(engine, outbox, clock)
    outbox.create_schema()
    ledger.create_schema()
    events: list[object] = []
    worker = SyncWorker(
        outbox,
        CoreHttp(proxy.url, "kiosk-1", "s3cret-1", connect_timeout=0.5, read_timeout=0.3),
        clock,
        events.append,
        batch_size=7,
        backoff_base=0.01,
        backoff_cap=0.05,
        probe_interval_s=0.05,
        poison_after=10_000,  # random 500s here are the core's fault, not the item's
    )
    worker.start()
    paid: list[str] = []
    try:
        for n in range(ITEMS):
            paid.append(pay(ledger, n))
            worker.wake()
            if n == ITEMS // 3:
                proxy.down()  # the network drops: connections refused for a while
                time.sleep(0.3)
            if n == ITEMS // 3 + 5:
                proxy.up()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status = outbox.status()
            if status.accepted == ITEMS:
                break
            time.sleep(0.05)
    finally:
        assert worker.stop(10)
        proxy.down()
    status = outbox.status()
    assert (status.accepted, status.pending, status.in_flight, status.dead) == (ITEMS, 0, 0, 0)
    rows = core.rows()
    assert sorted(r.txn_id for r in rows) == sorted(paid)  # nothing lost, nothing twice
    assert [r.seq for r in rows] == list(range(1, ITEMS + 1))  # gap-free, in order
    faults = proxy.stats.faults or {}
    for fault in (Fault.CUT, Fault.STATUS_503, Fault.STATUS_500, Fault.DELAY, Fault.RESET):
        assert faults.get(fault.value, 0) > 0, faults
    # replies cut after the commit came back as `duplicate` on the re-send
    assert any(isinstance(e, TransactionAccepted) and e.duplicate for e in events)
    day = requests.get(
        core.url + "/v1/reconciliation",
        params={"date": clock.now().date().isoformat()},
        headers=AUTH,
        timeout=5,
    ).json()
    assert day["count"] == ITEMS and day["seq"]["gaps"] == []
    engine.dispose()


def test_worker_resumes_within_moments_when_the_core_comes_back(core: Core, tmp_path: Path) -> None:
    """Backing off towards a long cap, the worker still notices the core's return at once
    (health probe), instead of sleeping out its backoff."""
    proxy = FaultProxy(core.server.port, lambda n, head: Fault.PASS)
    proxy.up()
    proxy.down()
    clock = SystemClock()
    engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
    outbox = Outbox(engine, "kiosk-1", clock)
    ledger = Ledger(engine, outbox, clock)
    outbox.create_schema()
    ledger.create_schema()
    accepted = threading.Event()
    worker = SyncWorker(
        outbox,
        CoreHttp(proxy.url, "kiosk-1", "s3cret-1", connect_timeout=0.5, read_timeout=2),
        clock,
        lambda e: accepted.set() if isinstance(e, TransactionAccepted) else None,
        backoff_base=600.0,  # every failure backs off up to ten minutes
        backoff_cap=600.0,
        probe_interval_s=0.1,
        idle_poll_s=0.2,  # several idle wake-ups pass while the core is away: it keeps probing
    )
    worker.start()
    try:
        pay(ledger, 1)
        worker.wake()
        time.sleep(1.0)  # a refused attempt: now deep in a (random) long backoff
        assert outbox.status().pending == 1
        proxy.up()
        assert accepted.wait(10), "the worker slept through the core's return"
    finally:
        assert worker.stop(10)
        proxy.down()
    assert outbox.status().accepted == 1
    engine.dispose()
