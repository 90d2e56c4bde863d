"""The durable outbox on a real SQLite file: gap-free seq, atomicity with the caller, recovery."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from kiosk.clock import FakeClock
from kiosk.money.amount import Money
from offline_queue.db import make_engine
from offline_queue.models import OutboxState
from offline_queue.outbox import Outbox


def open_outbox(path: Path, clock: FakeClock) -> tuple[Engine, Outbox]:
    engine = make_engine(f"sqlite:///{path}")
    outbox = Outbox(engine, "kiosk-1", clock)
    outbox.create_schema()
    return engine, outbox


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> tuple[Engine, Outbox]:
    return open_outbox(tmp_path / "data" / "kiosk.db", clock)


def enqueue(
    engine: Engine, outbox: Outbox, amount: str = "10.00", txn_id: str | None = None
) -> int:
    with Session(engine) as session, session.begin():
        return outbox.enqueue(
            session,
            txn_id=txn_id or str(uuid.uuid4()),
            type="bill_payment",
            amount=Money(Decimal(amount), "CNY"),
            tender={"type": "cash", "notes": {"10": 1}},
            details={"biller": "SGCC", "account": "1234567890"},
            created_at=datetime(2026, 11, 23, 8, 15, tzinfo=UTC),
        )


def test_sqlite_is_set_up_for_durability(db: tuple[Engine, Outbox]) -> None:
    engine, _ = db
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_seq_is_gap_free_and_survives_reopening(tmp_path: Path, clock: FakeClock) -> None:
    engine, outbox = open_outbox(tmp_path / "kiosk.db", clock)
    assert [enqueue(engine, outbox) for _ in range(3)] == [1, 2, 3]
    engine.dispose()
    engine, outbox = open_outbox(tmp_path / "kiosk.db", clock)
    assert enqueue(engine, outbox) == 4
    assert outbox.status().pending == 4


def test_rolled_back_enqueue_leaves_no_gap(db: tuple[Engine, Outbox]) -> None:
    engine, outbox = db
    assert enqueue(engine, outbox) == 1
    txn_id = str(uuid.uuid4())
    with pytest.raises(RuntimeError), Session(engine) as session, session.begin():
        outbox.enqueue(
            session,
            txn_id=txn_id,
            type="topup",
            amount=Money(Decimal("5"), "CNY"),
            tender={},
            details={},
            created_at=datetime.now(UTC),
        )
        raise RuntimeError("the journal write failed")
    assert outbox.item(txn_id) is None
    assert enqueue(engine, outbox) == 2


def test_payload_is_the_core_api_transaction(db: tuple[Engine, Outbox]) -> None:
    engine, outbox = db
    txn_id = str(uuid.uuid4())
    enqueue(engine, outbox, "125.5", txn_id)
    (entry,) = outbox.due_batch(10)
    assert entry.payload == {
        "txn_id": txn_id,
        "kiosk_id": "kiosk-1",
        "seq": 1,
        "type": "bill_payment",
        "created_at": "2026-11-23T08:15:00Z",
        "amount": "125.50",
        "currency": "CNY",
        "tender": {"type": "cash", "notes": {"10": 1}},
        "details": {"biller": "SGCC", "account": "1234567890"},
    }


def test_enqueue_refuses_bad_input(db: tuple[Engine, Outbox]) -> None:
    engine, outbox = db
    with pytest.raises(ValueError):
        enqueue(engine, outbox, txn_id="not-a-uuid")
    assert enqueue(engine, outbox) == 1


def test_concurrent_enqueues_get_distinct_consecutive_seqs(db: tuple[Engine, Outbox]) -> None:
    engine, outbox = db
    seqs: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            seq = enqueue(engine, outbox)
            with lock:
                seqs.append(seq)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seqs) == list(range(1, 41))


def test_claim_marks_in_flight_and_restart_recovers(tmp_path: Path, clock: FakeClock) -> None:
    engine, outbox = open_outbox(tmp_path / "kiosk.db", clock)
    for _ in range(3):
        enqueue(engine, outbox)
    claimed = outbox.claim_batch(2)
    assert [e.seq for e in claimed] == [1, 2]
    assert outbox.claim_batch(2) == []  # nothing overtakes a batch in flight
    assert outbox.status().in_flight == 2
    engine.dispose()  # "kill -9" mid-sync
    _, reopened = open_outbox(tmp_path / "kiosk.db", clock)
    status = reopened.status()
    assert (status.pending, status.in_flight) == (3, 0)
    assert reopened.item(claimed[0].txn_id).attempts == 1  # type: ignore[union-attr]


def test_backing_off_head_holds_back_later_items(
    db: tuple[Engine, Outbox], clock: FakeClock
) -> None:
    engine, outbox = db
    enqueue(engine, outbox)
    (head,) = outbox.claim_batch(5)
    outbox.mark_retry([head.txn_id], error="[CORE_UNREACHABLE] down", delay_s=30)
    enqueue(engine, outbox)
    assert outbox.due_batch(5) == []
    assert outbox.next_due_in() == 30
    assert [e.seq for e in outbox.due_batch(5, force=True)] == [1, 2]
    clock.advance(30)
    assert [e.seq for e in outbox.claim_batch(5)] == [1, 2]


def test_status_and_item_views(db: tuple[Engine, Outbox], clock: FakeClock) -> None:
    engine, outbox = db
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for txn_id in ids:
        enqueue(engine, outbox, txn_id=txn_id)
    clock.advance(90)
    outbox.claim_batch(3)
    outbox.mark_accepted([(ids[0], "CR0000000001")])
    outbox.mark_dead([(ids[1], "IDEMPOTENCY_CONFLICT", "different content")])
    outbox.mark_retry([ids[2]], error="[CORE_TIMEOUT] slow", delay_s=1)
    status = outbox.status()
    assert (status.pending, status.in_flight, status.accepted, status.dead) == (1, 0, 1, 1)
    assert status.oldest_pending_age_s == 90.0
    assert status.last_success_at == clock.now()
    assert status.last_error is not None
    view = outbox.item(ids[0])
    assert view is not None and view.state is OutboxState.ACCEPTED
    assert view.core_ref == "CR0000000001" and view.seq == 1
    dead = outbox.item(ids[1])
    assert dead is not None and dead.state == "dead"
    assert dead.last_error == "IDEMPOTENCY_CONFLICT: different content"
    assert outbox.item(str(uuid.uuid4())) is None
