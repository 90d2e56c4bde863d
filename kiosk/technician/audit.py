"""Every technician action in the tamper-evident journal: who, what, when, result.

Records go through the Ledger into the hash-chained journal (kind `technician_action`, session
`technician`), so an auditor reads them with `kiosk journal export` and cannot quietly edit one.
The PIN lockout lives here too, derived from those records rather than kept in memory: pulling
the plug does not give an attacker three more guesses.

The lockout runs on the monotonic clock (issue 19 #11): a wall clock stepped forward must not
end it early, nor one stepped back make it hours longer. Its record keeps the wall-clock end
(shown on the screen, read by auditors), the length, and the monotonic end with the boot it
belongs to: Linux's CLOCK_MONOTONIC runs on across process restarts within one boot, so a
restarted kiosk still counts on it. After a reboot (a new monotonic origin), the wait left is
what the wall clock says, but never more than the lockout's own length.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.clock import Clock
from kiosk.money.journal import JournalRecord
from kiosk.money.ledger import Ledger

SESSION = "technician"
KIND = "technician_action"
PIN_CHECK = "pin_check"
LOCKOUT = "lockout"
BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")


def current_boot_id() -> str:
    """This boot's id (Linux), or "" where there is none (then every restart is a reboot)."""
    try:
        return BOOT_ID_FILE.read_text("ascii").strip()
    except OSError:
        return ""


class TechnicianAudit:
    def __init__(self, ledger: Ledger, clock: Clock, *, boot_id: str | None = None) -> None:
        """`boot_id`: which boot the clock's monotonic readings belong to (tests pass one)."""
        self._ledger = ledger
        self._clock = clock
        self._boot = current_boot_id() if boot_id is None else boot_id
        self._derived: dict[str, float] = {}  # another boot's lockout: its monotonic end here

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
        """The end of the current lockout (wall clock, for the screen), or None when PIN entry
        is allowed now; how long is left is measured as the module docstring says."""
        for record in reversed(self._since_last_success()):
            if record.data.get("what") == LOCKOUT:
                left = self._left(record.data)
                return self._clock.now() + timedelta(seconds=left) if left > 0 else None
        return None

    def _left(self, data: dict[str, Any]) -> float:
        length = data.get("lockout_s")
        mono_until = data.get("mono_until")
        mono = self._clock.monotonic()
        if isinstance(mono_until, int | float) and self._boot and data.get("boot") == self._boot:
            left = float(mono_until) - mono
        elif data["until"] in self._derived:  # read back once already in this process
            left = self._derived[data["until"]] - mono
        else:
            until = datetime.fromisoformat(data["until"])
            left = (until - self._clock.now()).total_seconds()
            if isinstance(length, int | float):
                left = min(left, float(length))  # no clock step makes it longer than it was
            self._derived[data["until"]] = mono + left  # from now on, on this monotonic clock
        if isinstance(length, int | float):
            left = min(left, float(length))
        return left

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
        self.record(
            who,
            LOCKOUT,
            "locked",
            until=until.isoformat(),
            failures=failures,
            lockout_s=lockout_s,
            mono_until=self._clock.monotonic() + lockout_s,
            boot=self._boot,
        )
        return until
