"""Retry schedules on the monotonic clock (issue 19 #5): a wall clock stepped back two hours
(NTP after a dead RTC battery, a technician fixing the time) must not stall queued money with
the core up, neither in the running process nor after a restart that reads the schedule back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import FakeClock
from kiosk.money.amount import Money
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.models import OutboxState
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker

TWO_HOURS = 2 * 3600.0


class SteppingClock(FakeClock):
    """A FakeClock whose wall clock can also be stepped alone, as NTP or a person does."""

    def __init__(self, mono: float = 1000.0) -> None:
        super().__init__()
        self._mono = mono
        self._wall_offset = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self._wall_offset

    def step_wall(self, seconds: float) -> None:
        self._wall_offset += timedelta(seconds=seconds)


class MaxJitter:
    def uniform(self, low: float, high: float) -> float:
        return high


def enqueue(engine: Engine, outbox: Outbox, clock: FakeClock) -> str:
    txn_id = str(uuid.uuid4())
    with Session(engine) as session, session.begin():
        outbox.enqueue(
            session,
            txn_id=txn_id,
            type="topup",
            amount=Money(Decimal("10.00"), "CNY"),
            tender={"type": "cash", "notes": {"10": 1}},
            details={"phone": "138****0000"},
            created_at=clock.now(),
        )
    return txn_id


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
    yield engine
    engine.dispose()


def backed_off(engine: Engine, clock: SteppingClock, delay_s: float) -> tuple[Outbox, str]:
    outbox = Outbox(engine, "kiosk-1", clock)
    outbox.create_schema()
    txn_id = enqueue(engine, outbox, clock)
    (entry,) = outbox.claim_batch(10)
    outbox.mark_retry([entry.txn_id], error="CORE_UNREACHABLE", delay_s=delay_s)
    return outbox, txn_id


def test_a_backwards_wall_clock_step_does_not_extend_the_backoff(engine: Engine) -> None:
    clock = SteppingClock()
    outbox, _ = backed_off(engine, clock, 4.0)
    clock.step_wall(-TWO_HOURS)
    assert outbox.next_due_in() == pytest.approx(4.0)
    assert outbox.due_batch(10) == []
    clock.advance(4.0)
    assert outbox.next_due_in() == 0.0
    assert len(outbox.claim_batch(10)) == 1


def test_a_forward_step_does_not_make_the_worker_wait_either(engine: Engine) -> None:
    clock = SteppingClock()
    outbox, _ = backed_off(engine, clock, 4.0)
    clock.step_wall(+TWO_HOURS)
    assert outbox.next_due_in() == pytest.approx(4.0)  # the monotonic schedule decides
    clock.advance(4.0)
    assert len(outbox.claim_batch(10)) == 1


def test_after_a_restart_the_persisted_schedule_never_waits_longer_than_planned(
    engine: Engine,
) -> None:
    """What is persisted is wall-clock time (`next_attempt_at`, `updated_at`, written together);
    read back by a new process (a new monotonic origin), the wait left is at most the planned
    delay, however far the wall clock went back in between."""
    clock = SteppingClock()
    backed_off(engine, clock, 30.0)
    clock.step_wall(-TWO_HOURS)
    restarted = SteppingClock(mono=5.0)  # another process: its monotonic clock starts elsewhere
    restarted.step_wall(-TWO_HOURS)
    outbox = Outbox(engine, "kiosk-1", restarted)
    assert outbox.next_due_in() == pytest.approx(30.0)
    restarted.advance(30.0)
    assert len(outbox.claim_batch(10)) == 1


def test_queued_money_flows_at_once_after_a_step_back_with_the_core_up(
    engine: Engine, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "s3cret-1"})
    url = server.start()
    port = server.port
    server.stop()  # the core is away: the first attempt fails and backs off
    clock = SteppingClock()
    outbox = Outbox(engine, "kiosk-1", clock)
    outbox.create_schema()
    txn_id = enqueue(engine, outbox, clock)
    http = CoreHttp(url, "kiosk-1", "s3cret-1", read_timeout=5)
    worker = SyncWorker(outbox, http, clock, lambda e: None, backoff_base=2.0, rng=MaxJitter())
    server = CoreServer(store, port=port, kiosk_tokens={"kiosk-1": "s3cret-1"})
    try:
        assert worker.sync_once().retry_in_s == 2.0
        server.start()
        clock.step_wall(-TWO_HOURS)
        clock.advance(2.0)
        assert worker.sync_once().accepted == 1
        view = outbox.item(txn_id)
        assert view is not None and view.state is OutboxState.ACCEPTED
    finally:
        http.close()
        server.stop()
        store.close()


def test_a_batch_left_in_flight_before_a_step_back_is_recovered_at_start_up(
    engine: Engine,
) -> None:
    """A kiosk killed mid-batch, then the wall clock set back: at start-up nothing else can own
    that batch, so it is re-queued whatever its time stamp says (else nothing is ever claimed
    again while it sits in flight)."""
    clock = SteppingClock()
    outbox = Outbox(engine, "kiosk-1", clock)
    outbox.create_schema()
    enqueue(engine, outbox, clock)
    assert len(outbox.claim_batch(10)) == 1  # ... and the process dies
    clock.step_wall(-TWO_HOURS)
    restarted = Outbox(engine, "kiosk-1", clock)
    restarted.create_schema()  # start-up recovery
    assert restarted.status().in_flight == 0
    assert len(restarted.claim_batch(10)) == 1
