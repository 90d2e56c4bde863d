"""Every technician action in the tamper-evident journal: who, what, when, result.

Records go through the Ledger into the hash-chained journal (kind `technician_action`, session
`technician`), so an auditor reads them with `kiosk journal export` and cannot quietly edit one.
The PIN lockout lives here too, derived from those records rather than kept in memory: pulling
the plug does not give an attacker three more guesses.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kiosk.clock import Clock
from kiosk.money.journal import JournalRecord
from kiosk.money.ledger import Ledger

SESSION = "technician"
KIND = "technician_action"
PIN_CHECK = "pin_check"
LOCKOUT = "lockout"


class TechnicianAudit:
    def __init__(self, ledger: Ledger, clock: Clock) -> None:
        self._ledger = ledger
        self._clock = clock

    def record(self, who: str, what: str, result: str, **details: Any) -> None:
        """One audit record; `when` is the journal record's own time stamp."""
        self._ledger.record(SESSION, KIND, {"who": who, "what": what, "result": result, **details})

    def actions(self) -> list[JournalRecord]:
        return [r for r in self._ledger.records(session_id=SESSION) if r.kind == KIND]

    # ------------------------------------------------------------------ lockout

    def _since_last_success(self) -> list[JournalRecord]:
        records = [r for r in self.actions() if r.data.get("what") in (PIN_CHECK, LOCKOUT)]
        for i in range(len(records) - 1, -1, -1):
            if records[i].data.get("what") == PIN_CHECK and records[i].data["result"] == "ok":
                return records[i + 1 :]
        return records

    def locked_until(self) -> datetime | None:
        """The end of the current lockout, or None when PIN entry is allowed now."""
        for record in reversed(self._since_last_success()):
            if record.data.get("what") == LOCKOUT:
                until = datetime.fromisoformat(record.data["until"])
                return until if until > self._clock.now() else None
        return None

    def failures(self) -> int:
        """Wrong PINs since the last success or the last lockout (a lockout restarts the count)."""
        count = 0
        for record in reversed(self._since_last_success()):
            if record.data.get("what") == LOCKOUT:
                break
            count += 1
        return count

    def pin_checked(
        self, who: str, method: str, ok: bool, *, max_failures: int, lockout_s: float
    ) -> datetime | None:
        """Journals one PIN check; returns the lockout end when this failure triggered one."""
        if ok:
            self.record(who, PIN_CHECK, "ok", method=method)
            return None
        failures = self.failures() + 1
        self.record(who, PIN_CHECK, "failed", method=method, failures=failures)
        if failures < max_failures:
            return None
        until = self._clock.now() + timedelta(seconds=lockout_s)
        self.record(who, LOCKOUT, "locked", until=until.isoformat(), failures=failures)
        return until
