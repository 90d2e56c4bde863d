"""The fault suite (issue 19): a loopback proxy in front of the real reference core answers
the kiosk's batches with every fault the audit found - a misrouted proxy's 404 HTML, a 400 for
the whole batch, 500s and broken replies after the core committed, closed and reset
connections, a drip, a huge reply, HTML, 503 with a good and a bad Retry-After, a reply slower
than the read timeout - while the wall clock steps two hours back and forth.

Whatever happens: 0 lost (every payment is at the core), 0 duplicated (the core holds each
once, its count and total equal the kiosk's), and nothing booked shown as dead (the only dead
letter is the payment the core itself rejected, item by item, and it is not booked).

The worker is driven from the test thread with `sync_once`; backoff runs on a FakeClock that
the test advances to the next due time. Real time only bounds the drip and the slow reply
(a deadline and a read timeout that a loaded machine can only make *more* certain).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import FakeClock
from kiosk.money.amount import Money
from kiosk.money.ledger import Ledger
from offline_queue.db import make_engine
from offline_queue.events import TransactionAccepted, TransactionDead
from offline_queue.http import CoreHttp
from offline_queue.models import OutboxState
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker
from tests.offline_queue.fault_proxy import Fault, FaultProxy

PAYMENTS = 40
TWO_HOURS = 2 * 3600.0
AUTH = {"X-Kiosk-Id": "kiosk-1", "Authorization": "Bearer s3cret-1"}
EVERY_FAULT = [
    Fault.NOT_FOUND_HTML,
    Fault.REFUSED_4XX,
    Fault.STATUS_500,
    Fault.ERROR_AFTER_COMMIT,
    Fault.GARBLED_AFTER_COMMIT,
    Fault.HTML_AFTER_COMMIT,
    Fault.CUT,
    Fault.RESET,
    Fault.STATUS_503,
    Fault.BAD_RETRY_AFTER,
    Fault.DRIP,
    Fault.HUGE,
    Fault.DELAY,
]


class SteppingClock(FakeClock):
    def __init__(self) -> None:
        super().__init__()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self._offset

    def step_wall(self, seconds: float) -> None:
        self._offset += timedelta(seconds=seconds)


class Plan:
    """Every fault once (each followed by a pass), then a seeded mix; health checks pass."""

    def __init__(self, seed: int) -> None:
        self._script = [f for fault in EVERY_FAULT for f in (fault, Fault.PASS)]
        self._rng = random.Random(seed)

    def __call__(self, _n: int, head: bytes) -> Fault:
        if not head.startswith(b"POST "):
            return Fault.PASS
        if self._script:
            return self._script.pop(0)
        return Fault.PASS if self._rng.random() < 0.5 else self._rng.choice(EVERY_FAULT)


@pytest.fixture
def core(tmp_path: Path) -> Iterator[tuple[Store, CoreServer]]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    store.seed_demo()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "s3cret-1"})
    server.start()
    yield store, server
    server.stop()
    store.close()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
    yield engine
    engine.dispose()


def pay(ledger: Ledger, n: int, *, bill: str | None = None) -> tuple[str, Decimal]:
    txn_id, amount = str(uuid.uuid4()), Decimal(n % 30 + 1)
    ledger.commit_money(
        f"session-{n}",
        "payment_committed",
        {"n": n},
        txn_id=txn_id,
        txn_type="bill_payment" if bill else "topup",
        amount=Money(amount, "CNY"),
        tender={"type": "cash", "notes": {str(amount): 1}},
        details={"biller": "SGCC", "bill_id": bill} if bill else {"phone": "138****0000"},
    )
    return txn_id, amount


@pytest.mark.parametrize("seed", [19, 2026])
def test_nothing_lost_nothing_twice_nothing_booked_dead_whatever_the_network_does(
    core: tuple[Store, CoreServer], engine: Engine, seed: int
) -> None:
    store, server = core
    clock = SteppingClock()
    outbox = Outbox(engine, "kiosk-1", clock)
    ledger = Ledger(engine, outbox, clock)
    outbox.create_schema()
    ledger.create_schema()
    # Timeouts are upper bounds: a slow reply (5 s) is always past the 2 s read timeout, and a
    # drip (300-odd bytes at 0.05 s) always past the 3 s deadline, however loaded the machine.
    proxy = FaultProxy(server.port, Plan(seed), delay_s=5.0, retry_after="7", drip_s=0.05)
    proxy.up()
    events: list[object] = []
    http = CoreHttp(proxy.url, "kiosk-1", "s3cret-1", read_timeout=2, reply_deadline_s=3)
    worker = SyncWorker(
        outbox, http, clock, events.append, batch_size=6, backoff_cap=30.0, poison_after=2
    )
    paid: dict[str, Decimal] = {}
    rejected, _ = pay(ledger, 999, bill="B-NO-SUCH-BILL")  # the core's own per-item verdict
    faults_seen = 0
    try:
        for step in range(2000):  # an upper bound, not a schedule
            if len(paid) < PAYMENTS and step % 2 == 0:
                txn_id, amount = pay(ledger, len(paid))
                paid[txn_id] = amount
            if step == 12:
                clock.step_wall(-TWO_HOURS)
            if step == 40:
                clock.step_wall(+TWO_HOURS)
            report = worker.sync_once()
            faults_seen += report.failed
            status = outbox.status()
            if len(paid) == PAYMENTS and status.pending == 0 and status.in_flight == 0:
                break
            if not report.sent:
                clock.advance(max(outbox.next_due_in() or 0.0, 0.001))
        else:
            pytest.fail(f"not drained: {outbox.status()}")
    finally:
        http.close()
        proxy.down()

    counted = proxy.stats.faults or {}
    assert all(counted.get(f.value, 0) > 0 for f in EVERY_FAULT), counted
    # 0 lost: every payment is at the core, exactly once.
    assert {t: store.transaction_count(t) for t in paid} == {t: 1 for t in paid}
    day = requests.get(
        f"http://127.0.0.1:{server.port}/v1/reconciliation",
        params={"date": clock.now().date().isoformat()},
        headers=AUTH,
        timeout=5,
    ).json()
    assert day["count"] == PAYMENTS  # 0 duplicated: the core holds N, not more
    assert day["types"]["topup"] == {
        "count": PAYMENTS,
        "totals": [{"amount": f"{sum(paid.values()):.2f}", "currency": "CNY"}],
    }
    # Nothing booked shown as dead: the one dead letter is the item the core rejected.
    dead = [e.txn_id for e in events if isinstance(e, TransactionDead)]
    assert dead == [rejected] and store.transaction_count(rejected) == 0
    assert outbox.status().dead == 1 and outbox.item(rejected).state is OutboxState.DEAD  # type: ignore[union-attr]
    assert all(outbox.item(t).state is OutboxState.ACCEPTED for t in paid)  # type: ignore[union-attr]
    # The re-sends after faults that followed a commit came back as duplicates.
    assert any(isinstance(e, TransactionAccepted) and e.duplicate for e in events)
    posts = sum(1 for r in proxy.delivered if r.startswith(b"POST "))
    print(
        f"fault suite: {PAYMENTS} payments, {faults_seen} failed attempts, {posts} batches "
        f"reached the core, faults {counted}; lost 0, duplicated 0, booked-but-dead 0"
    )
