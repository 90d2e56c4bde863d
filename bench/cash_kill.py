"""The kill test: cash payments while the kiosk process is SIGKILLed at random moments.

The parent (this module) owns what must outlive the kiosk: the eSSP emulator on a pty with its
cashbox in a file (the notes physically in the box), and the reference core over HTTP (what the
bank booked). The kiosk runs as a subprocess (bench.cash_kill_child) with the real driver,
journal and sync; it is killed with SIGKILL at a moment picked from:

  escrow       a note sits in escrow (the host is deciding, or has decided and not stacked)
  after_stack  the device has just stacked a note (the credit may not be journaled yet)
  journaling   a random instant while a payment is in progress
  syncing      the core has just booked a transaction (the kiosk has not marked it sent)

and restarted; recovery runs at each start. At the end the kiosk is started once more to drain
its queue, and the books must balance exactly:

  cashbox total == sum of the core's cash transactions for this kiosk
                   (bill payments + credits/credit slips + recovered deposits)
  every txn_id once at the core; at most one money transaction per customer session
  notes inserted == notes in the cashbox + notes handed back

    .venv/bin/python -m bench.cash_kill --payments 500 --kills 200
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import AccountRow, BillRow, Store, TransactionRow
from drivers.cash.essp_emulator import EsspEmulator

KIOSK_ID = "kill-kiosk-01"
PHASES = ("escrow", "after_stack", "journaling", "syncing")
NOTES = (10, 20, 50, 100)
STALL_S = 60.0
CASH_TYPES = ("bill_payment", "cash_deposit")


@dataclass
class KillReport:
    payments: int = 0  # cash transactions booked at the core
    kills: int = 0
    stalls: int = 0  # lives ended because nothing moved for STALL_S (must stay 0)
    kills_by_phase: dict[str, int] = field(default_factory=dict)
    starts: int = 0
    notes_inserted: int = 0
    inserted_minor: int = 0
    returned_minor: int = 0
    cashbox_minor: int = 0
    core_cash_minor: int = 0
    core_by_type: dict[str, int] = field(default_factory=dict)
    duplicate_txn_ids: int = 0
    sessions_with_two_money_txns: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    recovery_outcomes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def balanced(self) -> bool:
        return (
            self.cashbox_minor == self.core_cash_minor
            and self.inserted_minor == self.cashbox_minor + self.returned_minor
            and self.duplicate_txn_ids == 0
            and self.sessions_with_two_money_txns == 0
            and self.flags.get("cashbox_mismatch", 0) == 0
            and self.stalls == 0
        )


def seed_accounts(db_url: str, n: int, rng: random.Random) -> list[str]:
    """n SGCC accounts with one open bill each (amounts a few notes can pay, some with jiao)."""
    accounts = [f"{5000000000 + k}" for k in range(n)]
    engine = create_engine(db_url)
    with Session(engine) as s, s.begin():
        for k, account in enumerate(accounts):
            s.add(AccountRow(biller="SGCC", account=account, holder="测*"))
            amount = Decimal(rng.choice((30, 45, 60, 80, 120, 150, 200))) + rng.choice(
                (Decimal(0), Decimal("0.50"))
            )
            s.add(
                BillRow(
                    bill_id=f"KT-{k:06d}",
                    biller="SGCC",
                    account=account,
                    holder="测*",
                    period="2026-10",
                    amount_due=str(amount),
                    currency="CNY",
                    due_date="2026-11-30",
                    status="open",
                )
            )
    engine.dispose()
    return accounts


class Child:
    """One life of the kiosk process, with its stdout read on a thread."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._reader.join(timeout=2)

    def alive(self) -> bool:
        return self.proc.poll() is None


def _core_count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count(TransactionRow.id))).scalar_one())


def run_kill_test(
    workdir: Path, *, payments: int, kills: int, seed: int = 1, log=print
) -> KillReport:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    report = KillReport(kills_by_phase={p: 0 for p in PHASES})
    started_at = time.monotonic()
    token = secrets.token_urlsafe(16)
    db_url = f"sqlite:///{workdir / 'core.db'}"
    store = Store(db_url)
    store.create_schema()
    store.seed_demo()
    accounts = seed_accounts(db_url, payments + kills + 10, rng)
    core = CoreServer(store, kiosk_tokens={KIOSK_ID: token})
    core_url = core.start()
    cashbox = workdir / "cashbox.json"
    emulator = EsspEmulator(escrow_timeout=2.0, cashbox_file=cashbox)
    pty = emulator.start()
    kiosk_dir = workdir / "kiosk"
    kiosk_dir.mkdir(exist_ok=True)
    env = {**os.environ, "KILLTEST_TOKEN": token, "QT_QPA_PLATFORM": "offscreen"}
    base = [sys.executable, "-m", "bench.cash_kill_child", str(kiosk_dir), pty, core_url]
    base.append(",".join(accounts))
    count_engine = create_engine(f"sqlite:///{workdir / 'core.db'}")
    try:
        while report.payments < payments or report.kills < kills:
            report.starts += 1
            child = Child([*base, str(rng.randrange(1 << 30))], env)
            want_kill = report.kills < kills
            gap = rng.randrange(0, max(1, 2 * payments // max(1, kills)))
            phase = rng.choice(PHASES)
            armed_at = _core_count(count_engine) + gap
            goal = payments if not want_kill else armed_at
            killed = _live(child, emulator, rng, report, count_engine, want_kill, goal, phase)
            if killed:
                report.kills += 1
                report.kills_by_phase[phase] += 1
            elif child.alive():
                child.kill()  # enough payments: stop this life (still a hard stop)
            report.payments = _core_count(count_engine)
            if report.starts % 20 == 0:
                log(f"  {report.payments} payments booked, {report.kills} kills")
        child = Child([*base, "0", "--drain"], env)
        deadline = time.monotonic() + 90
        line = ""
        while line not in ("drained", "drain-timeout") and time.monotonic() < deadline:
            try:
                line = child.lines.get(timeout=1)
            except queue.Empty:
                continue
        child.proc.wait(timeout=30)
        if line != "drained":
            raise RuntimeError(f"the kiosk did not drain its queue ({line!r})")
        _account(report, emulator, count_engine, kiosk_dir)
    finally:
        emulator.stop()
        core.stop()
        store.close()
        count_engine.dispose()
    report.seconds = round(time.monotonic() - started_at, 1)
    return report


def _live(child, emulator, rng, report, engine, want_kill, goal, phase) -> bool:  # type: ignore[no-untyped-def]
    """Feeds notes while the child lives; once `goal` transactions are booked, kills it at the
    armed phase (True) or, with no kill wanted, stops it (False)."""
    armed_at = goal
    stacked0 = emulator.stacked_total
    armed = False
    arm_time = 0.0
    kill_at: float | None = None
    next_note = 0.0
    progress_at, last_progress = time.monotonic(), (emulator.stacked_total, 0)
    while child.alive():
        now = time.monotonic()
        mark = (emulator.stacked_total, _core_count(engine))
        if mark != last_progress:
            progress_at, last_progress = now, mark
        elif now - progress_at > STALL_S:
            report.stalls += 1  # the kiosk stopped taking money: a bug to look at, not a kill
            child.kill()
            return False
        if emulator.enabled and emulator.note_state is None and now >= next_note:
            value = rng.choice(NOTES)
            emulator.insert_note(value)
            report.notes_inserted += 1
            report.inserted_minor += value * 100
            next_note = now + rng.uniform(0.02, 0.15)
        booked = _core_count(engine)
        if not want_kill and booked >= goal:
            return False
        if want_kill and not armed and booked >= armed_at:
            armed, arm_time, stacked0 = True, now, emulator.stacked_total
            booked0 = booked
        if want_kill and armed and kill_at is None:
            hit = (
                (phase == "escrow" and emulator.note_state == "escrow")
                or (phase == "after_stack" and emulator.stacked_total > stacked0)
                or (phase == "syncing" and booked > booked0)
                or (phase == "journaling" and now - arm_time > rng.uniform(0.0, 0.8))
                or now - arm_time > 10.0  # the phase did not come: kill anyway
            )
            if hit:
                kill_at = now + (0.0 if phase == "syncing" else rng.uniform(0.0, 0.03))
        if kill_at is not None and now >= kill_at:
            child.kill()
            return True
        time.sleep(0.001)
    return False


def _account(report: KillReport, emulator: EsspEmulator, engine, kiosk_dir: Path) -> None:  # type: ignore[no-untyped-def]
    report.cashbox_minor = emulator.cashbox_total_minor
    report.returned_minor = sum(emulator.returned_notes) * 100
    with engine.connect() as conn:
        rows = conn.execute(
            select(TransactionRow.txn_id, TransactionRow.type, TransactionRow.amount).where(
                TransactionRow.kiosk_id == KIOSK_ID
            )
        ).all()
    ids = [r[0] for r in rows]
    report.duplicate_txn_ids = len(ids) - len(set(ids))
    for _, txn_type, amount in rows:
        minor = int(Decimal(amount) * 100)
        report.core_by_type[txn_type] = report.core_by_type.get(txn_type, 0) + minor
        if txn_type in CASH_TYPES:
            report.core_cash_minor += minor
    report.payments = len(rows)
    kiosk = create_engine(f"sqlite:///{kiosk_dir / 'kiosk.db'}")
    try:
        with kiosk.connect() as conn:
            journal = conn.execute(text("SELECT session_id, kind, data FROM journal")).all()
    finally:
        kiosk.dispose()
    money: dict[str, int] = {}
    for session_id, kind, data in journal:
        if kind in ("payment_committed", "cash_credited"):
            money[session_id] = money.get(session_id, 0) + 1
        if kind == "recovery":
            flag = json.loads(data).get("flag", "?")
            report.flags[flag] = report.flags.get(flag, 0) + 1
        if kind == "note_resolved":
            outcome = json.loads(data).get("outcome", "?")
            report.recovery_outcomes[outcome] = report.recovery_outcomes.get(outcome, 0) + 1
    report.sessions_with_two_money_txns = sum(1 for n in money.values() if n > 1)
    report.recovery_outcomes["stacked_recovered"] = sum(
        1 for _, kind, data in journal if kind == "note_stacked" and '"recovered":true' in data
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=500)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work directory to keep (default: temporary)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cash-kill-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report = run_kill_test(workdir, payments=args.payments, kills=args.kills, seed=args.seed)
    print(json.dumps({**asdict(report), "balanced": report.balanced}, indent=2))
    return 0 if report.balanced else 1


if __name__ == "__main__":
    raise SystemExit(main())
