"""End-of-day reconciliation in the running kiosk, once per UTC day, on its own thread.

Each day, after the core has had time to file the last transactions, the previous UTC day is
compared with `/v1/reconciliation` (kiosk/money/reconciliation.py): differences become technician
alerts and go out with telemetry, and the outcome is journaled, so a restart neither skips a day
nor reconciles one twice. A core that cannot be reached is retried later the same day.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.clock import Clock
from kiosk.errors import KioskError
from kiosk.money.journal import JournalEntry
from kiosk.money.ledger import Ledger
from kiosk.money.reconciliation import reconcile
from offline_queue.http import CoreHttp

log = logging.getLogger(__name__)

JOURNAL_KIND = "reconciliation"
SYSTEM_SESSION = "00000000-0000-0000-0000-000000000000"  # journal entries made by the kiosk itself


class DailyReconciliation:
    def __init__(
        self,
        *,
        engine: Engine,
        ledger: Ledger,
        http: CoreHttp,
        kiosk_id: str,
        clock: Clock,
        alert: Callable[[object], None],
        after_hour_utc: int = 1,
        check_every_s: float = 600.0,
    ) -> None:
        self._engine, self._ledger, self._http = engine, ledger, http
        self._kiosk_id, self._clock, self._alert = kiosk_id, clock, alert
        self._after_hour = after_hour_utc
        self._every = check_every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_day: date | None = None

    def start(self) -> None:
        self.last_day = self._last_reconciled_day()
        self._thread = threading.Thread(target=self._run, name="daily-reconciliation")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            self._stop.wait(self._every)

    def due_day(self) -> date | None:
        """Yesterday (UTC), once the core has had until `after_hour_utc` to file it."""
        now = self._clock.now()
        if now.hour < self._after_hour:
            return None
        yesterday = now.date() - timedelta(days=1)
        return None if self.last_day is not None and self.last_day >= yesterday else yesterday

    def run_due(self) -> bool:
        """Reconciles the due day if any; True when a comparison was made."""
        day = self.due_day()
        if day is None:
            return False
        try:
            report = reconcile(self._engine, self._http, self._kiosk_id, day, alert=self._alert)
        except KioskError as exc:  # core away: try again at the next check
            log.warning("reconciliation of %s postponed: %s", day, exc)
            return False
        self._ledger.record(
            SYSTEM_SESSION,
            JOURNAL_KIND,
            {"day": day.isoformat(), "matches": report.matches, "report": report.wire()},
        )
        self.last_day = day
        return True

    def _last_reconciled_day(self) -> date | None:
        query = (
            select(JournalEntry.data)
            .where(JournalEntry.kind == JOURNAL_KIND)
            .order_by(JournalEntry.id.desc())
            .limit(1)
        )
        with Session(self._engine) as session:
            data = session.execute(query).scalar_one_or_none()
        if data is None:
            return None
        return date.fromisoformat(json.loads(data)["day"])
