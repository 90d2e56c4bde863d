"""The running kiosk reconciles each finished UTC day with the core once, and remembers it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import FakeClock
from kiosk.money.amount import Money
from kiosk.money.ledger import Ledger
from kiosk.runtime.daily_reconciliation import DailyReconciliation
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker

TXN = "0b6f1c3e-4d1a-4c7e-9a55-0c1d2e3f4a5b"


@dataclass
class World:
    """A reference core on loopback and a kiosk ledger holding one ¥20 deposit of 2026-11-22."""

    clock: FakeClock
    engine: Engine
    outbox: Outbox
    ledger: Ledger
    url: str
    http: CoreHttp
    alerts: list[object]

    def daily(self) -> DailyReconciliation:
        return DailyReconciliation(
            engine=self.engine, ledger=self.ledger, http=self.http, kiosk_id="k1",
            clock=self.clock, alert=self.alerts.append,
        )  # fmt: skip


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = Store(f"sqlite:///{tmp_path / 'core.db'}")
    store.create_schema()
    core = CoreServer(store, kiosk_tokens={"k1": "token"})
    url = core.start()
    clock = FakeClock(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    outbox = Outbox(engine, "k1", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock)
    ledger.create_schema()
    ledger.commit_money(
        "s1",
        "cash_credited",
        {},
        txn_id=TXN,
        txn_type="cash_deposit",
        amount=Money(Decimal("20.00"), "CNY"),
        tender={"type": "cash", "notes": {"20.00": 1}},
        details={"reason": "timeout"},
    )
    http = CoreHttp(url, "k1", "token")
    try:
        yield World(clock, engine, outbox, ledger, url, http, [])
    finally:
        http.close()
        core.stop()
        engine.dispose()


def test_yesterday_is_reconciled_once_after_the_cut_off_and_not_again_after_restart(
    world: World,
) -> None:
    SyncWorker(
        world.outbox, CoreHttp(world.url, "k1", "token"), world.clock, world.alerts.append
    ).sync_once()
    first = world.daily()
    assert first.run_due() is True, "a new kiosk starts with the day before"
    assert first.due_day() is None, "today is not over yet"
    world.clock.advance(10 * 3600 + 30 * 60)  # 2026-11-23 01:30 UTC, after the cut-off
    assert first.run_due() is True
    assert first.run_due() is False, "one comparison per day"
    records = [r for r in world.ledger.records() if r.kind == "reconciliation"]
    assert [r.data["day"] for r in records] == ["2026-11-21", "2026-11-22"]
    assert records[-1].data["matches"] is True
    assert records[-1].data["report"]["kiosk_accepted"]["cash_deposit"]["count"] == 1
    assert not [a for a in world.alerts if type(a).__name__ == "TechnicianAlert"]
    restarted = world.daily()
    restarted.last_day = restarted._last_reconciled_day()
    assert restarted.due_day() is None, "a restart does not reconcile the same day again"


def test_a_difference_alerts_the_technician(world: World) -> None:
    world.outbox.mark_accepted([(TXN, "CR-NEVER-SENT")])  # the kiosk believes the core has it
    world.clock.advance(11 * 3600)
    daily = world.daily()
    daily.last_day = date(2026, 11, 21)
    assert daily.run_due() is True
    assert [type(a).__name__ for a in world.alerts] == ["TechnicianAlert"]
    assert world.ledger.records()[-1].data["matches"] is False
