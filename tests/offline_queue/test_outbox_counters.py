"""The outbox's per-state counters (issue 18) equal a fresh count of the rows after any sequence
of enqueue / claim / accept / dead / retry / recover, after a rolled-back enqueue, and after a
restart; and status() from the counters says what the row scan says."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk.clock import FakeClock
from kiosk.money.amount import Money
from offline_queue import counters
from offline_queue.admin import QueueAdmin
from offline_queue.db import make_engine
from offline_queue.models import OutboxState
from offline_queue.outbox import Outbox

AMOUNT = Money(Decimal("10.00"), "CNY")


def _open(path: Path, clock: FakeClock) -> tuple[Engine, Outbox]:
    engine = make_engine(f"sqlite:///{path}")
    outbox = Outbox(engine, "k1", clock)
    outbox.create_schema()
    return engine, outbox


def _enqueue(engine: Engine, outbox: Outbox, clock: FakeClock) -> str:
    txn_id = str(uuid.uuid4())
    with Session(engine) as s, s.begin():
        outbox.enqueue(
            s,
            txn_id=txn_id,
            type="topup",
            amount=AMOUNT,
            tender={"type": "cash"},
            details={},
            created_at=clock.now(),
        )
    return txn_id


def _assert_counts_fresh(engine: Engine, outbox: Outbox) -> None:
    with engine.connect() as conn:
        kept = counters.kept_counts(conn)
        fresh = counters.fresh_counts(conn)
    assert kept == fresh
    fast, scanned = outbox.status(), outbox._scan_status()
    assert fast == scanned


OPS = st.lists(
    st.sampled_from(["enqueue", "claim", "accept", "dead", "retry", "recover", "dlq_retry"]),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, batch=st.integers(min_value=1, max_value=4))
def test_counters_equal_a_fresh_count_after_any_sequence(ops: list[str], batch: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="outbox-counters-"))
    try:
        clock = FakeClock()
        engine, outbox = _open(tmp / "k.db", clock)
        claimed: list[str] = []
        dead: list[str] = []
        for op in ops:
            clock.advance(1)
            if op == "enqueue":
                _enqueue(engine, outbox, clock)
            elif op == "claim" and not claimed:
                claimed = [e.txn_id for e in outbox.claim_batch(batch, force=True)]
            elif op == "accept" and claimed:
                outbox.mark_accepted([(t, "CR1") for t in claimed])
                claimed = []
            elif op == "dead" and claimed:
                outbox.mark_dead([(t, "UNKNOWN_BILL", "no such bill") for t in claimed])
                dead += claimed
                claimed = []
            elif op == "retry" and claimed:
                outbox.mark_retry(claimed, error="CORE_UNREACHABLE", delay_s=5)
                claimed = []
            elif op == "recover":
                outbox.recover_in_flight()
                claimed = []
            elif op == "dlq_retry" and dead:
                QueueAdmin(engine, clock).retry(dead.pop())
            _assert_counts_fresh(engine, outbox)
        engine.dispose()
        # a restart recounts from the rows and agrees
        engine, outbox = _open(tmp / "k.db", clock)
        _assert_counts_fresh(engine, outbox)
        assert outbox.check_counters()
        engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_rolled_back_enqueue_leaves_the_counters_alone(tmp_path: Path) -> None:
    clock = FakeClock()
    engine, outbox = _open(tmp_path / "k.db", clock)
    _enqueue(engine, outbox, clock)
    with pytest.raises(RuntimeError), Session(engine) as s, s.begin():
        outbox.enqueue(
            s,
            txn_id=str(uuid.uuid4()),
            type="topup",
            amount=AMOUNT,
            tender={},
            details={},
            created_at=clock.now(),
        )
        raise RuntimeError("crash before commit")
    assert outbox.status().pending == 1
    _assert_counts_fresh(engine, outbox)


def test_a_drifted_counter_is_found_and_recounted(tmp_path: Path) -> None:
    clock = FakeClock()
    engine, outbox = _open(tmp_path / "k.db", clock)
    for _ in range(3):
        _enqueue(engine, outbox, clock)
    with sqlite3.connect(tmp_path / "k.db") as conn:
        conn.execute("UPDATE outbox_counts SET n = 99 WHERE state = 'pending'")
    assert outbox.status().pending == 99
    assert not outbox.check_counters()  # found, and repaired
    assert outbox.status().pending == 3 and outbox.check_counters()


def test_a_database_made_before_the_counters_is_counted_then_installed(tmp_path: Path) -> None:
    clock = FakeClock()
    engine, outbox = _open(tmp_path / "k.db", clock)
    for _ in range(2):
        _enqueue(engine, outbox, clock)
    with sqlite3.connect(tmp_path / "k.db") as conn:  # what an older kiosk left behind
        for trigger in ("outbox_counts_ins", "outbox_counts_upd", "outbox_counts_del"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DROP TABLE outbox_counts")
    engine.dispose()
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    old = Outbox(engine, "k1", clock)
    assert old.status().pending == 2  # no counters: counted from the rows
    _enqueue(engine, old, clock)
    fresh = Outbox(engine, "k1", clock)
    fresh.create_schema()  # start-up installs and recounts
    assert fresh.status().pending == 3
    _assert_counts_fresh(engine, fresh)


def test_status_reads_the_oldest_waiting_the_last_error_and_the_last_success(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    engine, outbox = _open(tmp_path / "k.db", clock)
    first = clock.now()
    for _ in range(4):
        _enqueue(engine, outbox, clock)
        clock.advance(10)
    batch = outbox.claim_batch(2, force=True)
    outbox.mark_accepted([(batch[0].txn_id, "CR1")])
    outbox.mark_retry([batch[1].txn_id], error="CORE_UNREACHABLE: refused", delay_s=30)
    clock.advance(5)
    status = outbox.status()
    assert status == outbox._scan_status()
    assert (status.pending, status.accepted, status.in_flight, status.dead) == (3, 1, 0, 0)
    assert status.last_error == "CORE_UNREACHABLE: refused"
    assert status.oldest_pending_age_s == (clock.now() - first - timedelta(seconds=10)).seconds
    assert status.last_success_at is not None and status.last_success_at.tzinfo is UTC
    assert isinstance(status.last_success_at, datetime)
    assert OutboxState.PENDING.value in counters.STATES
