"""The kill -9 test of the offline queue at full size (CI runs a small one).

    .venv/bin/python -m bench.queue_kill [--items 1000] [--kills 100] [--seed 1]

A kiosk process (tests/offline_queue/kiosk_child.py) journals payments through the Ledger and
syncs them to the reference core; it is killed with SIGKILL at random moments and restarted,
`--kills` times, then run to completion. Checked: every journaled payment is at the core exactly
once, the core holds seq 1..N without a gap, and the totals agree. Prints the time taken and the
items per second achieved in spite of the kills, against an unkilled run of the same size
measured in the same run (the baseline).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store, TransactionRow
from kiosk.money.journal import JournalEntry
from offline_queue.db import make_engine

ROOT = Path(__file__).resolve().parents[1]


def _child(db_url: str, core_url: str, items: int, seed: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.offline_queue.kiosk_child", db_url, core_url]
        + [str(items), str(seed)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(tmp: Path, items: int, kills: int, seed: int) -> tuple[float, int]:
    """Returns (seconds, kills that landed) after checking the outcome; raises on any loss."""
    store = Store(f"sqlite:///{tmp / 'core.db'}")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "s3cret-1"})
    core_url = server.start()
    db_url = f"sqlite:///{tmp / 'kiosk.db'}"
    rng = random.Random(seed)
    landed = 0
    start = time.perf_counter()
    try:
        for n in range(kills):
            child = _child(db_url, core_url, items, seed * 100_000 + n)
            time.sleep(rng.uniform(0.3, 1.5))
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                landed += 1
            child.wait(30)
        final = _child(db_url, core_url, items, seed)
        _, err = final.communicate(timeout=3600)
        if final.returncode != 0:
            raise RuntimeError(f"final run failed: {err[-2000:]}")
        seconds = time.perf_counter() - start
        _check(db_url, store, items)
    finally:
        server.stop()
        store.close()
    return seconds, landed


def _check(db_url: str, store: Store, items: int) -> None:
    engine = make_engine(db_url)
    with Session(engine) as s:
        journal = {
            e.txn_id: json.loads(e.data)
            for e in s.scalars(select(JournalEntry).where(JournalEntry.kind == "payment_committed"))
        }
    engine.dispose()
    with Session(store._engine) as s:  # the bench reads the core's table directly
        rows = list(s.scalars(select(TransactionRow).order_by(TransactionRow.seq)))
    problems = []
    if len(journal) != items:
        problems.append(f"journal holds {len(journal)} payments, expected {items}")
    if sorted(r.txn_id for r in rows) != sorted(journal):
        problems.append("the core's transactions differ from the journal's (lost or doubled)")
    if [r.seq for r in rows] != list(range(1, items + 1)):
        problems.append("the core's seq numbers are not 1..N")
    kiosk_total = sum(Decimal(d["amount"]["amount"]) for d in journal.values())
    if sum(Decimal(r.amount) for r in rows) != kiosk_total:
        problems.append("totals differ")
    if problems:
        raise AssertionError("; ".join(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queue_kill", description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="queue-kill-") as tmp:
        base_dir, kill_dir = Path(tmp, "baseline"), Path(tmp, "killed")
        base_dir.mkdir()
        kill_dir.mkdir()
        baseline, _ = run(base_dir, args.items, 0, args.seed)
        seconds, landed = run(kill_dir, args.items, args.kills, args.seed)
    print(f"{args.items} payments, {landed} kill -9 of {args.kills} attempts: nothing lost,")
    print("nothing duplicated, seq gap-free at the core")
    print(f"  baseline, no kills  {baseline:7.1f} s   {args.items / baseline:7.1f} payments/s")
    print(
        f"  with kills          {seconds:7.1f} s   {args.items / seconds:7.1f} payments/s   "
        f"{baseline / seconds:.2f}x of baseline"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
