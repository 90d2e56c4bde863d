"""The running kiosk reconciles each finished UTC day with the core once, and remembers it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import FakeClock
from kiosk.ledger import Ledger
from kiosk.money import Money
from kiosk.runtime.daily_reconciliation import DailyReconciliation
from offline_queue.db import make_engine
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker

TXN = "0b6f1c3e-4d1a-4c7e-9a55-0c1d2e3f4a5b"


def test_yesterday_is_reconciled_once_after_the_cut_off_and_not_again_after_restart(
    tmp_path: Path,
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'core.db'}")
    store.create_schema()
    store.seed_demo()
    core = CoreServer(store, kiosk_tokens={"k1": "token"})
    url = core.start()
    clock = FakeClock(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    outbox = Outbox(engine, "k1", clock)
    outbox.create_schema()
    ledger = Ledger(engine, outbox, clock)
    ledger.create_schema()
    http = CoreHttp(url, "k1", "token")
    alerts: list[object] = []
    try:
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
        SyncWorker(outbox, CoreHttp(url, "k1", "token"), clock, alerts.append).sync_once()

        def daily() -> DailyReconciliation:
            return DailyReconciliation(
                engine=engine, ledger=ledger, http=http, kiosk_id="k1", clock=clock,
                alert=alerts.append,
            )  # fmt: skip

        first = daily()
        assert first.run_due() is True, "a new kiosk starts with the day before"
        assert first.due_day() is None, "today is not over yet"
        clock.advance(10 * 3600 + 30 * 60)  # 2026-11-23 01:30 UTC, after the cut-off
        assert first.run_due() is True
        assert first.run_due() is False, "one comparison per day"
        records = [r for r in ledger.records() if r.kind == "reconciliation"]
        assert [r.data["day"] for r in records] == ["2026-11-21", "2026-11-22"]
        assert records[-1].data["matches"] is True
        assert records[-1].data["report"]["kiosk_accepted"]["cash_deposit"]["count"] == 1
        assert not [a for a in alerts if type(a).__name__ == "TechnicianAlert"]
        restarted = daily()
        restarted.last_day = restarted._last_reconciled_day()
        assert restarted.due_day() is None, "a restart does not reconcile the same day again"
    finally:
        http.close()
        core.stop()
        engine.dispose()


def test_a_difference_alerts_the_technician(tmp_path: Path) -> None:
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
    http = CoreHttp(url, "k1", "token")
    alerts: list[object] = []
    try:
        ledger.commit_money(
            "s1",
            "cash_credited",
            {},
            txn_id=TXN,
            txn_type="cash_deposit",
            amount=Money(Decimal("20.00"), "CNY"),
            tender={"type": "cash", "notes": {"20.00": 1}},
            details={},
        )
        outbox.mark_accepted([(TXN, "CR-NEVER-SENT")])  # the kiosk believes the core has it
        clock.advance(11 * 3600)
        daily = DailyReconciliation(
            engine=engine, ledger=ledger, http=http, kiosk_id="k1", clock=clock,
            alert=alerts.append,
        )  # fmt: skip
        daily.last_day = datetime(2026, 11, 21).date()
        assert daily.run_due() is True
        assert [type(a).__name__ for a in alerts] == ["TechnicianAlert"]
        assert ledger.records()[-1].data["matches"] is False
    finally:
        http.close()
        core.stop()
        engine.dispose()
