"""A hypothesis stateful model of the outbox and its sync worker.

Random interleavings of payments, syncs that succeed, fail (connection refused, 503 with
Retry-After, malformed reply) or commit at the core and lose the reply, crashes with a batch in
flight, clock jumps and technician retries of dead letters. After every step: seq is gap-free,
the core never holds a transaction twice, what the kiosk calls accepted the core really holds,
first deliveries reach the core in seq order, and a final drain against a healthy core leaves
nothing pending but the poison items (dead letters).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy.orm import Session

from kiosk.clock import FakeClock
from kiosk.errors import CoreError
from kiosk.money.amount import Money
from offline_queue.admin import QueueAdmin
from offline_queue.db import make_engine
from offline_queue.models import OutboxState
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker


class ModelCore:
    """The core's contract in memory, with the next request's fate set by the test."""

    def __init__(self) -> None:
        self.held: dict[str, dict[str, Any]] = {}
        self.first_seen: list[int] = []
        self.fate = "ok"

    def get_json(self, path: str, params: Any = None) -> Any:
        return {"status": "ok"}

    def post_json(self, path: str, body: Any) -> Any:
        fate, self.fate = self.fate, "ok"
        if fate == "refused":
            raise CoreError("refused", code="CORE_UNREACHABLE", transient=True)
        if fate == "503":
            raise CoreError("busy", code="CORE_UNAVAILABLE", transient=True, retry_after=30)
        if fate == "garbage":
            return {"results": "nope"}
        results = []
        for item in body["transactions"]:
            if item["details"].get("poison"):
                error = {"code": "UNKNOWN_BILL", "message": "no such bill"}
                results.append({"txn_id": item["txn_id"], "status": "rejected", "error": error})
                continue
            known = item["txn_id"] in self.held
            if not known:
                self.held[item["txn_id"]] = item
                self.first_seen.append(item["seq"])
            ref = f"CR{item['seq']:08d}"
            status = "duplicate" if known else "accepted"
            results.append({"txn_id": item["txn_id"], "status": status, "core_ref": ref})
        if fate == "cut":  # committed, then the reply is lost
            raise CoreError("reset", code="CORE_UNREACHABLE", transient=True)
        return {"results": results}


class OutboxMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="outbox-model-"))
        self.clock = FakeClock(datetime(2026, 11, 23, 8, tzinfo=UTC))
        self.engine = make_engine(f"sqlite:///{self.dir}/kiosk.db")
        self.outbox = Outbox(self.engine, "kiosk-1", self.clock)
        self.outbox.create_schema()
        self.admin = QueueAdmin(self.engine, self.clock)
        self.core = ModelCore()
        self.worker = self._worker()
        self.enqueued: list[str] = []
        self.poison: set[str] = set()
        self.retried: set[str] = set()

    def _worker(self) -> SyncWorker:
        return SyncWorker(
            self.outbox,
            self.core,  # type: ignore[arg-type]
            self.clock,
            lambda event: None,
            batch_size=3,
            backoff_base=1.0,
            backoff_cap=60.0,
        )

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(amount=st.integers(1, 5000), poison=st.booleans())
    def pay(self, amount: int, poison: bool) -> None:
        txn_id = str(uuid.uuid4())
        with Session(self.engine) as s, s.begin():
            self.outbox.enqueue(
                s,
                txn_id=txn_id,
                type="bill_payment",
                amount=Money(Decimal(amount) / 100, "CNY"),
                tender={"type": "cash"},
                details={"poison": poison} if poison else {},
                created_at=self.clock.now(),
            )
        self.enqueued.append(txn_id)
        if poison:
            self.poison.add(txn_id)

    @rule(
        fate=st.sampled_from(["ok", "ok", "refused", "503", "garbage", "cut"]), force=st.booleans()
    )
    def sync(self, fate: str, force: bool) -> None:
        self.core.fate = fate
        self.worker.sync_once(force=force)
        self.core.fate = "ok"

    @rule()
    def crash_with_a_batch_in_flight(self) -> None:
        self.outbox.claim_batch(3, force=True)  # claimed, sent maybe, then the process dies
        self.worker = self._worker()
        self.outbox.recover_in_flight()

    @rule(seconds=st.sampled_from([0.5, 5.0, 61.0]))
    def time_passes(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @precondition(lambda self: bool(self.poison))
    @rule(data=st.data())
    def technician_retries_a_dead_letter(self, data: st.DataObject) -> None:
        dead = [d.txn_id for d in self.admin.dead_letters()]
        if dead:
            txn_id = data.draw(st.sampled_from(dead))
            self.admin.retry(txn_id)
            self.retried.add(txn_id)

    @invariant()
    def seq_is_gap_free_and_counts_add_up(self) -> None:
        views = [self.outbox.item(t) for t in self.enqueued]
        assert [v.seq for v in views if v] == list(range(1, len(self.enqueued) + 1))
        status = self.outbox.status()
        total = status.pending + status.in_flight + status.accepted + status.dead
        assert total == len(self.enqueued)

    @invariant()
    def accepted_means_held_once_and_dead_means_poison(self) -> None:
        for txn_id in self.enqueued:
            view = self.outbox.item(txn_id)
            assert view is not None
            if view.state is OutboxState.ACCEPTED:
                assert txn_id in self.core.held
            if view.state is OutboxState.DEAD:
                assert txn_id in self.poison
        assert len(self.core.first_seen) == len(set(self.core.first_seen))

    @invariant()
    def first_deliveries_arrive_in_seq_order(self) -> None:
        assert self.core.first_seen == sorted(self.core.first_seen)

    @rule()
    def drain_with_a_healthy_core(self) -> None:
        for _ in range(len(self.enqueued) + 2):
            self.worker.sync_once(force=True)
        for txn_id in self.enqueued:
            view = self.outbox.item(txn_id)
            assert view is not None
            expected = OutboxState.DEAD if txn_id in self.poison else OutboxState.ACCEPTED
            assert view.state is expected, (txn_id, view)


TestOutboxModel = OutboxMachine.TestCase
TestOutboxModel.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
